//! Property tests of the server's parsers of user input: the CSV upload of a batch, query strings,
//! and the CSV writer every export uses. Any input: no panic, a coded refusal naming the field;
//! generated valid input: exactly what was sent comes back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::files::identifiers_from_csv;
use super::status::query_pairs;
use crate::csv_file::CsvFile;
use proptest::prelude::*;
use registrar::ErrorCode;

fn identifier() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z][a-z0-9_.-]{1,20}", "[a-z][a-z0-9.]{0,15}@[a-z]{2,10}\\.(org|com|net)"]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any bytes as an uploaded file: a list, or a refusal on the `file` field, never a panic.
    #[test]
    fn any_upload_is_a_list_or_a_refusal_of_the_file(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        match identifiers_from_csv(&bytes) {
            Ok(list) => prop_assert!(!list.is_empty() && list.iter().all(|i| !i.trim().is_empty() && i == i.trim())),
            Err(e) => {
                prop_assert_eq!(e.code, ErrorCode::InputInvalid);
                prop_assert_eq!(e.field.as_deref(), Some("file"));
                prop_assert!(!e.message.is_empty());
            }
        }
    }

    /// A spreadsheet's export (a BOM, a header naming the column, CRLF, padding): every identifier
    /// comes back once, in order, trimmed.
    #[test]
    fn an_exported_list_comes_back_as_sent(
        ids in proptest::collection::vec(identifier(), 1..40),
        bom in any::<bool>(),
        crlf in any::<bool>(),
        header in prop_oneof![Just("email"), Just("Username"), Just(" identifier ")],
    ) {
        let newline = if crlf { "\r\n" } else { "\n" };
        let mut text = if bom { "\u{feff}".to_owned() } else { String::new() };
        text.push_str(&format!("name,{header}{newline}"));
        for id in &ids {
            text.push_str(&format!("Someone, {id} {newline}"));
        }
        prop_assert_eq!(identifiers_from_csv(text.as_bytes()).unwrap(), ids);
    }

    /// Query strings: any text parses without panic, and pairs sent come back exactly.
    #[test]
    fn query_strings_round_trip(
        junk in ".{0,80}",
        pairs in proptest::collection::vec((".{0,12}", ".{0,12}"), 0..8),
    ) {
        let _ = query_pairs(Some(&junk));
        let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
        prop_assert_eq!(query_pairs(Some(&encoded)), pairs);
    }

    /// Every exported cell reads back as written, or as written after one apostrophe when it could
    /// start a formula; no cell a spreadsheet reads starts one.
    #[test]
    fn exported_cells_read_back_and_never_start_a_formula(rows in proptest::collection::vec(proptest::collection::vec(".{0,20}", 1..5), 1..10)) {
        let bytes = CsvFile::document(&["a"], rows.iter().map(|r| r.iter().map(String::as_str).collect::<Vec<_>>())).unwrap();
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes.as_slice());
        for (written, read) in rows.iter().zip(reader.records()) {
            let read = read.unwrap();
            for (cell, back) in written.iter().zip(read.iter()) {
                prop_assert!(back == cell || back.strip_prefix('\'') == Some(cell.as_str()), "{cell:?} -> {back:?}");
                let dangerous = back.trim_start_matches([' ', '\n', '\u{3000}']).starts_with(['=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}']);
                prop_assert!(!dangerous || back.starts_with('\''), "{back:?}");
            }
        }
    }
}
