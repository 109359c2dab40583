//! The second factor's rules: what a typed code is (a six-digit one-time code from an
//! authenticator app, or a one-time recovery code), which time steps a one-time code may match, and
//! that no step is accepted twice. Pure: it must not know how codes are computed or stored.

use crate::{DomainError, ErrorCode};

/// Seconds per one-time code (RFC 6238's recommended step).
pub const STEP_SECONDS: u64 = 30;
/// Recovery codes made at once.
pub const RECOVERY_CODES: usize = 10;

/// A code as typed, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypedCode {
    /// Six digits from the authenticator app.
    OneTime(String),
    /// A recovery code (`xxxx-xxxx`, letters and digits), case-folded, without the dash.
    Recovery(String),
}

/// Read a typed code: spaces and dashes are ignored; six digits are a one-time code, eight letters
/// or digits a recovery code. Anything else is refused on the `code` field, saying what is
/// expected.
pub fn parse_code(typed: &str) -> Result<TypedCode, DomainError> {
    let compact: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if compact.len() == 6 && compact.chars().all(|c| c.is_ascii_digit()) {
        return Ok(TypedCode::OneTime(compact));
    }
    if compact.len() == 8 && compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(TypedCode::Recovery(compact.to_ascii_lowercase()));
    }
    Err(DomainError::with_message(
        ErrorCode::InputInvalid,
        "Enter the 6-digit code from your authenticator app, or one of your recovery codes (like abcd-1234).",
    )
    .on_field("code"))
}

/// The time steps a one-time code typed at `now_seconds` may match, oldest first: the current one
/// and one either side (clocks drift), never one at or before `last_accepted` (a code is used
/// once).
#[must_use]
pub fn candidate_steps(now_seconds: u64, last_accepted: Option<u64>) -> Vec<u64> {
    let current = now_seconds / STEP_SECONDS;
    let mut steps: Vec<u64> = [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .filter(|step| last_accepted.is_none_or(|last| *step > last))
        .collect();
    steps.dedup();
    steps
}

/// Whether an account must set up a second factor before the console opens: when the site
/// requires it of staff (`REGISTRAR_REQUIRE_2FA_FOR_STAFF`), staff and superusers without one.
#[must_use]
pub const fn console_needs_factor(
    required_for_staff: bool,
    is_staff: bool,
    is_superuser: bool,
    has_factor: bool,
) -> bool {
    required_for_staff && (is_staff || is_superuser) && !has_factor
}

/// How a recovery code is shown: `abcd-1234`.
#[must_use]
pub fn show_recovery_code(compact: &str) -> String {
    let (head, tail) = compact.split_at(compact.len().min(4));
    format!("{head}-{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_as_people_type_them() {
        assert_eq!(parse_code(" 123 456 ").unwrap(), TypedCode::OneTime("123456".into()));
        assert_eq!(parse_code("ABCD-12ef").unwrap(), TypedCode::Recovery("abcd12ef".into()));
        for bad in ["", "12345", "1234567", "abcd-123", "12345a", "ab!d-1234"] {
            let refused = parse_code(bad).unwrap_err();
            assert_eq!(refused.field.as_deref(), Some("code"), "{bad}");
        }
    }

    #[test]
    fn staff_need_a_factor_only_where_the_site_says_so() {
        assert!(console_needs_factor(true, true, false, false));
        assert!(console_needs_factor(true, false, true, false));
        assert!(!console_needs_factor(true, true, false, true), "set up");
        assert!(!console_needs_factor(true, false, false, false), "learners choose");
        assert!(!console_needs_factor(false, true, true, false), "not required here");
    }

    #[test]
    fn a_step_is_accepted_once_and_only_near_now() {
        assert_eq!(candidate_steps(90, None), vec![2, 3, 4]);
        assert_eq!(candidate_steps(90, Some(3)), vec![4], "the current step was used");
        assert!(candidate_steps(90, Some(4)).is_empty());
        assert_eq!(candidate_steps(10, None), vec![0, 1], "no step before the epoch");
        assert_eq!(show_recovery_code("abcd1234"), "abcd-1234");
    }
}
