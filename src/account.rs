//! Account policies: usernames, emails, full names, passwords and the registration form.
//!
//! The browser calls these before submitting and the server calls them again before writing, so both
//! enforce one rule. Case-folding for uniqueness lives here too. Hashing does not: that is the
//! server's job.

use crate::error::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};

/// Shortest password accepted.
pub const PASSWORD_MIN_CHARS: usize = 10;
/// Longest password accepted (argon2 has no limit, but a megabyte password is an attack).
pub const PASSWORD_MAX_CHARS: usize = 256;

/// A validated username (2–30 of letters, digits, `_`, `-`, `.`), kept as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        let ok = (2..=30).contains(&s.chars().count())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::new(ErrorCode::UsernameInvalid).on_field("username"))
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form that uniqueness is checked on.
    #[must_use]
    pub fn folded(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A validated email address, kept as typed; uniqueness is on the case-folded form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// A pragmatic check: one `@`, a non-empty local part, a dotted domain, no spaces, ≤ 254 chars.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        let valid = s.len() <= 254
            && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '<' | '>'))
            && match s.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains("..")
                }
                None => false,
            };
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::new(ErrorCode::EmailInvalid).on_field("email"))
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn folded(&self) -> String {
        self.0.to_lowercase()
    }
}

/// Check a full name: non-empty after trimming, at most 255 characters, no control characters.
pub fn validate_full_name(input: &str) -> Result<String, DomainError> {
    let s = input.trim();
    if s.is_empty() || s.chars().count() > 255 || s.chars().any(char::is_control) {
        Err(DomainError::new(ErrorCode::FullNameInvalid).on_field("full_name"))
    } else {
        Ok(s.to_owned())
    }
}

/// The password policy. The password is never trimmed: spaces are part of the secret.
pub fn validate_password(password: &str, username: &str, email: &str) -> Result<(), DomainError> {
    let weak = |why: &str| {
        Err(DomainError::with_message(
            ErrorCode::PasswordWeak,
            format!("{} {why}", ErrorCode::PasswordWeak.default_message()),
        )
        .on_field("password"))
    };
    let count = password.chars().count();
    if count < PASSWORD_MIN_CHARS {
        return weak(&format!("This one has {count}."));
    }
    if count > PASSWORD_MAX_CHARS {
        return weak(&format!("It can be at most {PASSWORD_MAX_CHARS} characters."));
    }
    let lower = password.to_lowercase();
    if !username.trim().is_empty() && lower == username.trim().to_lowercase() {
        return weak("This one is your username.");
    }
    if !email.trim().is_empty() && lower == email.trim().to_lowercase() {
        return weak("This one is your email.");
    }
    if password.chars().all(|c| c == password.chars().next().unwrap_or(' ')) {
        return weak("A single repeated character is too easy to guess.");
    }
    Ok(())
}

/// The registration form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationForm {
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub password: String,
    pub password_confirm: String,
}

/// A registration that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRegistration {
    pub username: Username,
    pub email: Email,
    pub full_name: String,
}

impl RegistrationForm {
    /// Validate every field; returns all field errors at once so the form can show each beside its field.
    pub fn validate(&self) -> Result<ValidRegistration, Vec<DomainError>> {
        let mut errors = Vec::new();
        let username = Username::parse(&self.username).map_err(|e| errors.push(e)).ok();
        let email = Email::parse(&self.email).map_err(|e| errors.push(e)).ok();
        let full_name = validate_full_name(&self.full_name).map_err(|e| errors.push(e)).ok();
        if let Err(e) = validate_password(&self.password, &self.username, &self.email) {
            errors.push(e);
        } else if self.password != self.password_confirm {
            errors.push(DomainError::new(ErrorCode::PasswordMismatch).on_field("password_confirm"));
        }
        match (username, email, full_name) {
            (Some(username), Some(email), Some(full_name)) if errors.is_empty() => {
                Ok(ValidRegistration { username, email, full_name })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> RegistrationForm {
        RegistrationForm {
            username: "ada".into(),
            email: "Ada@Example.org".into(),
            full_name: "Ada Lovelace".into(),
            password: "analytical engine".into(),
            password_confirm: "analytical engine".into(),
        }
    }

    #[test]
    fn a_good_registration_passes_and_folds_case_for_uniqueness() {
        let ok = form().validate().unwrap();
        assert_eq!(ok.email.folded(), "ada@example.org");
        assert_eq!(ok.email.as_str(), "Ada@Example.org");
    }

    #[test]
    fn every_bad_field_is_reported_next_to_its_field() {
        let bad = RegistrationForm {
            username: "a b".into(),
            email: "no-at-sign".into(),
            full_name: "  ".into(),
            password: "short".into(),
            password_confirm: "short".into(),
        };
        let errors = bad.validate().unwrap_err();
        let fields: Vec<_> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(fields, ["username", "email", "full_name", "password"]);
        assert!(errors[3].message.contains("This one has 5"));
    }

    #[test]
    fn mismatched_confirmation_is_its_own_error() {
        let mut f = form();
        f.password_confirm = "analytical engine ".into();
        let errors = f.validate().unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, ErrorCode::PasswordMismatch);
    }

    #[test]
    fn passwords_are_not_trimmed_and_must_not_echo_identity() {
        assert!(validate_password("          ", "u", "e@x.org").is_err());
        assert!(validate_password(" ten chars ", "u", "e@x.org").is_ok());
        assert!(validate_password("LongUsername", "longusername", "e@x.org").is_err());
        assert!(validate_password("me@example.org", "u", "ME@example.org").is_err());
        assert!(validate_password(&"x".repeat(300), "u", "e@x.org").is_err());
    }

    #[test]
    fn emails() {
        for good in ["a@b.co", "first.last+tag@sub.example.org"] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "a", "a@b", "@b.co", "a@@b.co", "a b@c.org", "a@.b.org", "a@b..org", "a@b.org,"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn usernames() {
        assert!(Username::parse("ada.l-1_x").is_ok());
        assert!(Username::parse("a").is_err());
        assert!(Username::parse(&"a".repeat(31)).is_err());
        assert!(Username::parse("ada@x").is_err());
    }
}
