//! Parsing an identifiers list: emails and/or usernames separated by commas, spaces or new lines.
//!
//! Duplicates are folded case-insensitively, keeping the first spelling; each entry is classified as an
//! email or a username (or invalid, reported per row, never dropped silently).

use crate::account::{Email, Username};
use serde::{Deserialize, Serialize};

/// One entry of an identifiers list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Identifier {
    Email(String),
    Username(String),
    Invalid(String),
}

impl Identifier {
    /// The entry as it was written.
    #[must_use]
    pub fn text(&self) -> &str {
        match self {
            Self::Email(s) | Self::Username(s) | Self::Invalid(s) => s,
        }
    }
}

/// Split and classify an identifiers list, folding duplicates.
#[must_use]
pub fn parse_identifiers(input: &str) -> Vec<Identifier> {
    let mut seen = std::collections::HashSet::new();
    input
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .filter(|s| seen.insert(s.to_lowercase()))
        .map(|s| {
            if s.contains('@') {
                Email::parse(s).map_or_else(
                    |_| Identifier::Invalid(s.to_owned()),
                    |e| Identifier::Email(e.as_str().to_owned()),
                )
            } else {
                Username::parse(s).map_or_else(
                    |_| Identifier::Invalid(s.to_owned()),
                    |u| Identifier::Username(u.as_str().to_owned()),
                )
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_folds_and_classifies() {
        let got = parse_identifiers("ada@x.org, Bob\n\nada@X.org;bob  not@valid c");
        assert_eq!(
            got,
            vec![
                Identifier::Email("ada@x.org".into()),
                Identifier::Username("Bob".into()),
                Identifier::Invalid("not@valid".into()),
                Identifier::Invalid("c".into()),
            ]
        );
    }
}
