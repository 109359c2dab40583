//! What a service token may be used for. A token made for a service (an OAuth client of the
//! retirement driver, the LMS pushing grades) carries scopes and can do only what they name, whoever
//! its user is: a leaked retirement-driver secret retires learners and nothing else. A personal
//! token without scopes (`registrar issue-token`) acts as its user. Pure rules: it must not know
//! where tokens are stored.

use crate::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One thing a scoped token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TokenScope {
    /// The retirement service API (Open edX's retirement driver).
    Retirement,
    /// The credentials API: list, read, award and revoke credentials (as the user's console
    /// permissions allow).
    Credentials,
    /// Push grades (`/api/v2/grades/`), as the user's console permissions allow.
    Grades,
    /// Read-only credentials: list and read them (a reporting tool, a records mirror); awarding
    /// and revoking are refused whatever the user could do.
    CredentialsRead,
}

impl TokenScope {
    pub const ALL: [Self; 4] = [Self::Retirement, Self::Credentials, Self::Grades, Self::CredentialsRead];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Retirement => "retirement",
            Self::Credentials => "credentials",
            Self::Grades => "grades",
            Self::CredentialsRead => "credentials:read",
        }
    }

    /// Whether holding this scope allows what `needed` names: each scope itself, and the full
    /// credentials scope also its read-only part.
    #[must_use]
    pub const fn covers(self, needed: Self) -> bool {
        matches!(
            (self, needed),
            (Self::Retirement, Self::Retirement)
                | (Self::Credentials, Self::Credentials | Self::CredentialsRead)
                | (Self::Grades, Self::Grades)
                | (Self::CredentialsRead, Self::CredentialsRead)
        )
    }

    /// Parse a space- or comma-separated list (`"retirement credentials"`); empty is refused,
    /// and so is any unknown name, naming it and the known ones.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, DomainError> {
        let mut scopes = Vec::new();
        for name in text.split([' ', ',']).map(str::trim).filter(|s| !s.is_empty()) {
            let scope =
                Self::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(name)).ok_or_else(|| {
                    DomainError::with_message(
                        ErrorCode::InputInvalid,
                        format!("'{name}' is not a token scope; the scopes are {}.", Self::names()),
                    )
                })?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("Name at least one scope: {}.", Self::names()),
            ));
        }
        scopes.sort();
        Ok(scopes)
    }

    /// The stored form of a list: names separated by spaces.
    #[must_use]
    pub fn join(scopes: &[Self]) -> String {
        scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }

    fn names() -> String {
        Self::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a token with `scopes` (`None`: a personal token, unscoped) may be used where `needed`
/// is required (`None`: anything else — pages, server functions, the console): an unscoped token
/// anywhere its user may go, a scoped one only where one of its scopes covers what is needed.
#[must_use]
pub fn token_may(scopes: Option<&[TokenScope]>, needed: Option<TokenScope>) -> bool {
    match (scopes, needed) {
        (None, _) => true,
        (Some(scopes), Some(needed)) => scopes.iter().any(|held| held.covers(needed)),
        (Some(_), None) => false,
    }
}

/// The refusal for a scoped token used elsewhere, naming what it may do.
#[must_use]
pub fn refusal(scopes: &[TokenScope]) -> DomainError {
    DomainError::with_message(
        ErrorCode::Forbidden,
        format!("This token may only be used for: {}.", TokenScope::join(scopes)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scoped_token_does_only_what_its_scopes_name() {
        let retirement = [TokenScope::Retirement];
        assert!(token_may(Some(&retirement), Some(TokenScope::Retirement)));
        assert!(!token_may(Some(&retirement), Some(TokenScope::Credentials)));
        assert!(!token_may(Some(&retirement), None), "no pages, no console");
        assert!(token_may(None, None) && token_may(None, Some(TokenScope::Grades)));
    }

    #[test]
    fn a_read_only_token_reads_and_a_full_one_also_reads() {
        let read = [TokenScope::CredentialsRead];
        assert!(token_may(Some(&read), Some(TokenScope::CredentialsRead)));
        assert!(!token_may(Some(&read), Some(TokenScope::Credentials)), "no awarding or revoking");
        assert!(token_may(Some(&[TokenScope::Credentials]), Some(TokenScope::CredentialsRead)));
        assert!(!token_may(Some(&[TokenScope::Grades]), Some(TokenScope::CredentialsRead)));
        assert_eq!(TokenScope::parse_list("Credentials:Read").unwrap(), read.to_vec());
    }

    #[test]
    fn scope_lists_parse_strictly() {
        assert_eq!(
            TokenScope::parse_list("grades, Retirement grades").unwrap(),
            vec![TokenScope::Retirement, TokenScope::Grades]
        );
        let unknown = TokenScope::parse_list("retirement admin").unwrap_err();
        assert!(unknown.message.contains("'admin'"), "{}", unknown.message);
        assert!(TokenScope::parse_list("  ").is_err());
    }
}
