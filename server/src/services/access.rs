//! What the team and library areas share: finding the account or holder a form names, a scope's
//! history read as sentences, and the short answers their changes return.
//!
//! It must not change anything: writers live in `team` and `libraries`.

use crate::services::{internal, Core};
use crate::store::{audit, users, Conn};
use app::model::{AccessExplanation, HistoryEntry, TeamChange};
use registrar::authz::Principal;
use registrar::library::AccessLevel;
use registrar::roles::Role;
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};

/// How many history lines a team page shows.
pub(crate) const HISTORY_LINES: i64 = 50;

pub(crate) fn changed(message: impl Into<String>) -> TeamChange {
    TeamChange { message: message.into() }
}

pub(crate) fn until(expires_at: Option<i64>) -> String {
    expires_at.map_or_else(String::new, |at| format!(" until {}", app::model::format_date(at - 1)))
}

pub(crate) fn input(code: ErrorCode, field: &str, message: impl Into<String>) -> DomainError {
    DomainError::with_message(code, message).on_field(field)
}

/// A title or name: trimmed, 1 to `max` characters.
pub(crate) fn text(
    value: &str,
    field: &str,
    what: &str,
    max: usize,
    code: ErrorCode,
) -> Result<String, DomainError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(input(code, field, format!("{what} must be 1 to {max} characters.")));
    }
    Ok(value.to_owned())
}

/// A history line for a changed role or level: a new role, or only a new end (or none).
pub(crate) fn change_line(who: &str, from: &str, to: &str, expires_at: Option<i64>) -> String {
    match expires_at {
        _ if from != to => format!("changed {who} from {from} to {to}{}", until(expires_at)),
        Some(at) => format!("set the end of {who}'s {to} to {}", app::model::format_date(at - 1)),
        None => format!("made {who}'s {to} permanent"),
    }
}

/// The line a history list shows for one audit entry.
pub(crate) fn history_line(row: audit::HistoryRow) -> HistoryEntry {
    let json = |s: &Option<String>| -> serde_json::Value {
        s.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or(serde_json::Value::Null)
    };
    let (before, after) = (json(&row.before_json), json(&row.after_json));
    let field = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_owned();
    let role = |v: &serde_json::Value| {
        let raw = field(v, "role");
        Role::parse(&raw).map_or(raw, |r| r.label().to_owned())
    };
    let level = |v: &serde_json::Value| {
        let raw = field(v, "access_level");
        AccessLevel::parse(&raw).map_or(raw, |l| l.label().to_owned())
    };
    let expires = |v: &serde_json::Value| v.get("expires_at").and_then(serde_json::Value::as_i64);
    let ends = |v: &serde_json::Value| until(expires(v));
    let summary = match AuditAction::parse(&row.action) {
        Some(AuditAction::RoleGrant) => {
            format!("gave {} to {}{}", role(&after), field(&after, "username"), ends(&after))
        }
        Some(AuditAction::RoleRevoke) => {
            format!("took {} away from {}", role(&before), field(&before, "username"))
        }
        Some(AuditAction::RoleChange) => {
            change_line(&field(&after, "username"), &role(&before), &role(&after), expires(&after))
        }
        Some(AuditAction::RoleExpired) => format!("{} of {} ended", role(&before), field(&before, "holder")),
        Some(AuditAction::TeamInvite) => {
            format!("invited {} as {}{}", field(&after, "email"), role(&after), ends(&after))
        }
        Some(AuditAction::TeamInvitationRevoked) => {
            format!("withdrew the invitation of {}", field(&before, "email"))
        }
        Some(AuditAction::TeamInvitationAccepted) => {
            format!("{} registered and became {}", field(&after, "username"), role(&after))
        }
        Some(AuditAction::LibraryCreate) => format!("created the library \"{}\"", field(&after, "title")),
        Some(AuditAction::LibraryUpdate) => format!("renamed the library to \"{}\"", field(&after, "title")),
        Some(AuditAction::LibrarySwitches) => {
            let on = |k: &str| {
                if after.get(k).and_then(serde_json::Value::as_bool) == Some(true) {
                    "on"
                } else {
                    "off"
                }
            };
            format!(
                "set public read {} and public learning {}",
                on("allow_public_read"),
                on("allow_public_learning")
            )
        }
        Some(AuditAction::LibraryGrant) => {
            format!("gave {} to {}{}", level(&after), field(&after, "holder"), ends(&after))
        }
        Some(AuditAction::LibraryChange) => {
            change_line(&field(&after, "holder"), &level(&before), &level(&after), expires(&after))
        }
        Some(AuditAction::LibraryRevoke) => {
            format!("took {} away from {}", level(&before), field(&before, "holder"))
        }
        Some(AuditAction::LibraryGrantExpired) => {
            format!("{} of {} ended", level(&before), field(&before, "holder"))
        }
        _ => row.action.clone(),
    };
    HistoryEntry { at: row.at, actor: row.actor_label, summary, reason: row.reason }
}

/// Append an audit entry by `actor`, inside the caller's transaction.
pub(crate) async fn record(
    conn: &mut Conn,
    actor: &Principal,
    entry: audit::Entry<'_>,
) -> Result<(), DomainError> {
    let entry = audit::Entry { actor_id: Some(&actor.user_id.0), actor_label: &actor.username, ..entry };
    audit::append(conn, &entry).await.map_err(internal)
}

impl Core {
    pub(crate) async fn history(&self, scope: &str) -> Result<Vec<HistoryEntry>, DomainError> {
        Ok(audit::for_scope(self.db(), scope, HISTORY_LINES).await?.into_iter().map(history_line).collect())
    }

    /// The account with this username or email, in any state, or `USER_NOT_FOUND` naming it.
    pub(crate) async fn account(&self, identifier: &str) -> Result<users::UserRow, DomainError> {
        users::find_by_login(self.db(), identifier).await?.ok_or_else(|| {
            input(
                ErrorCode::UserNotFound,
                "identifier",
                format!("No account has the username or email '{}'.", identifier.trim()),
            )
        })
    }

    /// The account to give something to: by username, or by an email its owner has proven. An
    /// address held by an account that has not proven it is refused, saying so (it may be someone
    /// else's registration with that address).
    pub(crate) async fn grantee(&self, identifier: &str) -> Result<users::UserRow, DomainError> {
        if let Some(user) = users::find_grantee(self.db(), identifier).await? {
            return Ok(user);
        }
        let unproven = users::find_by_login(self.db(), identifier).await?.is_some();
        Err(input(
            ErrorCode::UserNotFound,
            "identifier",
            if unproven {
                format!(
                    "The account with the address '{}' has not confirmed it yet, so nothing can be given to it by \
                     address: use its username, or try again once its owner has followed the link we mailed.",
                    identifier.trim()
                )
            } else {
                format!("No account has the username or email '{}'.", identifier.trim())
            },
        ))
    }

    /// The account to give access to ([`Self::grantee`]), refusing inactive ones.
    pub(crate) async fn active_grantee(&self, identifier: &str) -> Result<users::UserRow, DomainError> {
        let user = self.grantee(identifier).await?;
        if user.is_active.0 {
            Ok(user)
        } else {
            Err(input(
                ErrorCode::UserInactive,
                "identifier",
                format!("{}'s account is not active, so it cannot be given access.", user.username),
            ))
        }
    }
}

/// On a team page, explain only people who have some access there: anyone else, and names that match
/// no account, get the same answer, so a course or library Admin cannot look up arbitrary accounts
/// (global staff can, in the console).
pub(crate) fn only_with_access(
    identifier: &str,
    what: &str,
    explained: Result<AccessExplanation, DomainError>,
) -> Result<AccessExplanation, DomainError> {
    let nobody = || {
        input(
            ErrorCode::UserNotFound,
            "identifier",
            format!("Nobody named '{}' has access to this {what}.", identifier.trim()),
        )
    };
    match explained {
        Ok(e) if e.sources.iter().any(|s| !s.expired) => Ok(e),
        Ok(_) => Err(nobody()),
        Err(e) if e.code == ErrorCode::UserNotFound => Err(nobody()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(action: &str, before: Option<&str>, after: Option<&str>) -> audit::HistoryRow {
        audit::HistoryRow {
            at: 0,
            actor_label: "ada".into(),
            action: action.into(),
            target_id: "x".into(),
            before_json: before.map(str::to_owned),
            after_json: after.map(str::to_owned),
            reason: None,
        }
    }

    #[test]
    fn history_lines_read_as_sentences() {
        let line = history_line(row("role.grant", None, Some(r#"{"role":"staff","username":"bob"}"#)));
        assert_eq!(line.summary, "gave Staff to bob");
        let line = history_line(row(
            "role.change",
            Some(r#"{"role":"staff"}"#),
            Some(r#"{"role":"instructor","username":"bob","expires_at":86400000}"#),
        ));
        assert_eq!(line.summary, "changed bob from Staff to Admin until 1970-01-01");
        let line = history_line(row(
            "library.revoke",
            Some(r#"{"holder":"group Writers","access_level":"author"}"#),
            None,
        ));
        assert_eq!(line.summary, "took Author away from group Writers");
    }
}
