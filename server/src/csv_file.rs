//! The one CSV writer every export uses (enrollment lists, batch reports, the audit log, learner
//! records): each cell is made formula-safe (`registrar::records::csv_safe`) before it is written,
//! so a name such as `=HYPERLINK(…)` opens in a spreadsheet as text, never as a formula. It writes
//! into any `io::Write` (memory for small files, a stream for large ones). It must not know what
//! the rows mean.

use crate::services::internal;
use registrar::records::csv_safe;
use registrar::DomainError;
use std::io::Write;

/// A CSV file being written.
pub struct CsvFile<W: Write> {
    writer: csv::Writer<W>,
}

impl CsvFile<Vec<u8>> {
    /// A file in memory, quoting cells only where needed.
    #[must_use]
    pub fn in_memory() -> Self {
        Self::to(Vec::new(), csv::QuoteStyle::Necessary)
    }

    /// A file in memory with every cell quoted (Open edX's learner record export does this).
    #[must_use]
    pub fn in_memory_quoting_every_cell() -> Self {
        Self::to(Vec::new(), csv::QuoteStyle::Always)
    }

    /// A whole document: `header`, then `rows`.
    pub fn document<R, C, S>(header: &[&str], rows: R) -> Result<Vec<u8>, DomainError>
    where
        R: IntoIterator<Item = C>,
        C: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut file = Self::in_memory();
        file.row(header)?;
        for row in rows {
            file.row(row)?;
        }
        file.finish()
    }
}

impl<W: Write> CsvFile<W> {
    /// A file written to `out`; rows may have different lengths.
    pub fn to(out: W, quoting: csv::QuoteStyle) -> Self {
        Self { writer: csv::WriterBuilder::new().quote_style(quoting).flexible(true).from_writer(out) }
    }

    /// Write one row, each cell formula-safe.
    pub fn row<C, S>(&mut self, cells: C) -> Result<(), DomainError>
    where
        C: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.writer.write_record(cells.into_iter().map(|c| csv_safe(c.as_ref()))).map_err(internal)
    }

    /// Flush and hand back what was written to.
    pub fn finish(self) -> Result<W, DomainError> {
        self.writer.into_inner().map_err(|e| internal(e.into_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_in_any_cell_is_written_as_text() {
        let bytes = CsvFile::document(
            &["username", "full_name"],
            [vec!["mallory", "=HYPERLINK(\"http://evil\",\"click\")"], vec!["ann", "+1 555"]],
        )
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "username,full_name\nmallory,\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\"\nann,'+1 555\n"
        );
    }
}
