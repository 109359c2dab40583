//! Identifiers and keys: user ids, organization keys and course keys.
//!
//! Owns parsing and display of `course-v1:Org+Number+Run` keys and org keys, shared by browser validation
//! and the server. Ids are opaque text (UUIDs minted by the server); this module never mints them.

use crate::error::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An opaque user id (text UUID minted by the server).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub String);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

fn valid_key_part(part: &str) -> bool {
    (1..=64).contains(&part.len()) && part.chars().all(is_key_char)
}

/// An organization key such as `DemoX`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgKey(String);

impl OrgKey {
    /// Parse an org key: 2 to 64 letters, digits, `_`, `-` or `.`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        if s.len() >= 2 && valid_key_part(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::new(ErrorCode::OrgKeyInvalid))
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrgKey {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OrgKey> for String {
    fn from(value: OrgKey) -> Self {
        value.0
    }
}

impl fmt::Display for OrgKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A course run key, `course-v1:Org+Number+Run`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CourseKey {
    org: OrgKey,
    number: String,
    run: String,
}

impl CourseKey {
    /// Parse `course-v1:Org+Number+Run`. Surrounding whitespace is ignored; each part is 1 to 64
    /// letters, digits, `_`, `-` or `.`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let invalid = || {
            DomainError::with_message(
                ErrorCode::CourseKeyInvalid,
                format!("'{}' is not a course key; they look like course-v1:Org+Number+Run.", input.trim()),
            )
        };
        let rest = input.trim().strip_prefix("course-v1:").ok_or_else(invalid)?;
        let mut parts = rest.split('+');
        let (Some(org), Some(number), Some(run), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        // Every part as typed: an org with spaces around it is not silently trimmed into another key.
        if !(valid_key_part(org) && valid_key_part(number) && valid_key_part(run)) {
            return Err(invalid());
        }
        let org = OrgKey::parse(org).map_err(|_| invalid())?;
        Ok(Self { org, number: number.to_owned(), run: run.to_owned() })
    }

    #[must_use]
    pub fn org(&self) -> &OrgKey {
        &self.org
    }

    #[must_use]
    pub fn number(&self) -> &str {
        &self.number
    }

    #[must_use]
    pub fn run(&self) -> &str {
        &self.run
    }
}

impl FromStr for CourseKey {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CourseKey {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CourseKey> for String {
    fn from(value: CourseKey) -> Self {
        value.to_string()
    }
}

impl fmt::Display for CourseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "course-v1:{}+{}+{}", self.org, self.number, self.run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_key_round_trips() {
        let key = CourseKey::parse(" course-v1:DemoX+CS101+2026_T1 ").unwrap();
        assert_eq!(key.org().as_str(), "DemoX");
        assert_eq!(key.number(), "CS101");
        assert_eq!(key.run(), "2026_T1");
        assert_eq!(key.to_string(), "course-v1:DemoX+CS101+2026_T1");
    }

    #[test]
    fn malformed_course_keys_are_refused_with_the_input_in_the_message() {
        for bad in [
            "",
            "DemoX+CS101+2026",
            "course-v1:DemoX+CS101",
            "course-v1:DemoX+CS101+2026+extra",
            "course-v1:Demo X+CS101+2026",
            "course-v1:DemoX++2026",
            "course-v1:D+CS101+2026",
            "course-v1:DemoX+CS101+2026;drop",
        ] {
            let err = CourseKey::parse(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::CourseKeyInvalid, "{bad}");
            assert!(err.message.contains(bad.trim()), "{bad}: {}", err.message);
        }
    }

    #[test]
    fn course_key_deserializes_only_when_valid() {
        let ok: CourseKey = serde_json::from_str("\"course-v1:A1+B+C\"").unwrap();
        assert_eq!(ok.org().as_str(), "A1");
        assert!(serde_json::from_str::<CourseKey>("\"nope\"").is_err());
    }

    #[test]
    fn org_keys() {
        assert!(OrgKey::parse("DemoX").is_ok());
        assert!(OrgKey::parse("x").is_err());
        assert!(OrgKey::parse("has space").is_err());
    }
}
