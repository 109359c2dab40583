//! Account deletion (the retirement pipeline): the learner's side (`learner`), the console's
//! (`admin`), the service API for external drivers (`driver`) and the built-in worker and commands
//! (`pipeline`).
//!
//! This module owns what they share: queueing a deletion, cancelling it during the cool-off,
//! moving a retirement between states (checked by `registrar::retirement::check_transition`).

use crate::services::Core;
use crate::store::enrollments::Actor;
use crate::store::personal_data::Subject;
use crate::store::retirement::{self as rs, StatusRow};
use crate::store::{self, now_ms, oauth_clients, outbox, sessions, tokens, users};
use app::gate::console::*;
use app::gate::RetirementWorker;
use app::model::{format_date, RetirementSummary};
use registrar::retirement::{check_transition, TransitionKind, ABORTED, PENDING};
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use std::sync::Arc;
pub mod admin;
pub mod driver;
pub mod learner;
pub mod pipeline;

/// How long the built-in worker holds a batch, and an external driver a learner, before another may.
pub const WORKER_LEASE_MS: i64 = 5 * 60_000;

pub const SERVICE_LEASE_MS: i64 = 60 * 60_000;

pub(crate) const DAY_MS: i64 = 86_400_000;

/// How long a mailed confirmation link for an account without a password works.
pub(crate) const CONFIRM_LINK_MS: i64 = 3_600_000;

pub(crate) fn not_found(who: &str) -> DomainError {
    DomainError::with_message(ErrorCode::RetirementNotFound, format!("There is no retirement for '{who}'."))
}

pub(crate) fn bad_transition(e: &registrar::retirement::TransitionError) -> DomainError {
    DomainError::with_message(ErrorCode::RetirementBadTransition, e.to_string())
}

pub(crate) fn subject(s: &StatusRow) -> Subject {
    Subject {
        user_id: s.user_id.clone(),
        username: s.original_username.clone(),
        email: s.original_email.clone(),
        full_name: s.original_name.clone(),
        retired_username: s.retired_username.clone(),
        retired_email: s.retired_email.clone(),
        past_emails: Vec::new(),
    }
}

pub(crate) fn summary(s: StatusRow) -> RetirementSummary {
    RetirementSummary {
        id: s.id,
        original_username: s.original_username,
        original_email: s.original_email,
        retired_username: s.retired_username,
        current_state: s.current_state,
        created_at: s.created_at,
        due_at: s.due_at,
        modified_at: s.modified_at,
        attempts: s.attempts,
        last_error: s.last_error,
        leased_by: s.lease_until.filter(|t| *t > now_ms()).and(s.leased_by),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn iso(ms: i64) -> String {
    let secs = ms.rem_euclid(DAY_MS) / 1000;
    format!("{}T{:02}:{:02}:{:02}Z", format_date(ms), secs / 3600, secs / 60 % 60, secs % 60)
}

/// Account deletion: the learner's side, the console's, the service API's and the worker.
pub struct RetirementService {
    core: Arc<Core>,
}

impl RetirementService {
    #[must_use]
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }
}

impl RetirementService {
    /// Queue `user` for deletion in one transaction: status, deactivation, sessions and tokens
    /// ended, and (for learners) the mail with the cancel link.
    pub(crate) async fn queue_deletion(
        &self,
        user: &users::UserRow,
        source: &str,
        actor: &str,
        actor_id: Option<&str>,
        reason: Option<&str>,
        mail: bool,
    ) -> Result<StatusRow, DomainError> {
        let settings = self.core.settings();
        let existing = rs::for_user(&self.core.db().pool, &user.id).await?;
        // An aborted retirement is over: a new request replaces it (its history stays in the audit log).
        let replaced = existing.as_ref().filter(|e| e.current_state == ABORTED).map(|e| e.id.clone());
        if let Some(existing) = existing.filter(|e| e.current_state != ABORTED) {
            return Err(DomainError::with_message(
                ErrorCode::RetirementPending,
                format!(
                    "{} is already queued for deletion (since {}, {}).",
                    if source == "learner" { "Your account".to_owned() } else { user.username.clone() },
                    format_date(existing.created_at),
                    existing.current_state
                ),
            ));
        }
        let due = registrar::retirement::due_at(now_ms(), settings.cool_off_days);
        let retired_username = settings.names.username(&user.username);
        let retired_email = settings.names.email(&user.email);
        // Read (or create) the signing key before the transaction takes SQLite's write lock.
        let key = if mail { self.core.link_key().await? } else { Vec::new() };
        let mut tx = self.core.begin().await?;
        if let Some(old) = &replaced {
            rs::delete_status(&mut tx, old).await?;
        }
        let id = rs::create(
            &mut tx,
            &rs::NewStatus {
                user_id: &user.id,
                original_username: &user.username,
                original_email: &user.email,
                original_name: &user.full_name,
                retired_username: &retired_username,
                retired_email: &retired_email,
                due_at: due,
                source,
            },
            actor,
        )
        .await?;
        rs::deactivate_user(&mut tx, self.core.db().dialect, &user.id).await?;
        sessions::delete_for_user(&mut *tx, &user.id).await?;
        tokens::revoke_for_user(&mut *tx, &user.id).await?;
        oauth_clients::revoke_for_user(&mut *tx, &user.id).await?;
        if mail {
            let token = Core::sign(&key, "cancel", &id, due)?;
            let link = format!("{}/account/cancel-deletion?token={token}", self.core.site_url());
            let mail =
                crate::notices::deletion_queued(&user.full_name, &user.username, &format_date(due), &link);
            outbox::enqueue(&mut *tx, &mail_to(user, &mail.subject, &mail.body)).await?;
        }
        tx.audit(&store::audit::Entry {
            actor_id,
            actor_label: actor,
            target_type: "user",
            target_id: &user.id,
            after: Some(serde_json::json!({"state": PENDING, "due_at": due})),
            reason,
            ..store::audit::Entry::new(AuditAction::RetirementRequest)
        })
        .await?;
        tx.commit().await?;
        rs::get(self.core.db(), &id).await?.ok_or_else(|| not_found(&user.username))
    }

    /// Cancel a retirement in its cool-off: the account signs in again (with its password) if its state
    /// is active; one deactivated or never set up stays as it was.
    pub(crate) async fn cancel_pending(
        &self,
        status: &StatusRow,
        actor: Actor<'_>,
        reason: &str,
    ) -> Result<(), DomainError> {
        if status.current_state != PENDING {
            return Err(DomainError::with_message(
                ErrorCode::RetirementBadTransition,
                format!(
                    "Retirement requests can only be cancelled while PENDING; {}'s is {}.",
                    status.original_username, status.current_state
                ),
            ));
        }
        let mut tx = self.core.begin().await?;
        if !rs::delete_pending(&mut tx, &status.id).await? {
            return Err(DomainError::with_message(
                ErrorCode::RetirementBadTransition,
                "The retirement has just started; it can no longer be cancelled.",
            ));
        }
        rs::restore_sign_in(&mut tx, &status.user_id).await?;
        rs::delete_request(&mut tx, &status.user_id).await?;
        tx.audit(&store::audit::Entry {
            actor_id: actor.id,
            actor_label: actor.label,
            target_type: "user",
            target_id: &status.user_id,
            before: Some(serde_json::json!({"state": PENDING})),
            reason: Some(reason),
            ..store::audit::Entry::new(AuditAction::RetirementCancel)
        })
        .await?;
        tx.commit().await
    }

    /// Move one learner (checked by `check_transition`), in a transaction; audited for admins.
    pub(crate) async fn change_state(
        &self,
        status: &StatusRow,
        to: &str,
        kind: TransitionKind,
        message: &str,
        actor: Actor<'_>,
    ) -> Result<(), DomainError> {
        check_transition(&self.core.settings().states, &status.current_state, &status.last_state, to, kind)
            .map_err(|e| bad_transition(&e))?;
        let mut tx = self.core.begin().await?;
        rs::move_to(&mut tx, status, to, message, actor.label).await?;
        if kind != TransitionKind::Advance {
            rs::reset_attempts(&mut tx, &status.id).await?;
            let action = if kind == TransitionKind::Abort {
                AuditAction::RetirementAbort
            } else {
                AuditAction::RetirementResume
            };
            tx.audit(&store::audit::Entry {
                actor_id: actor.id,
                actor_label: actor.label,
                target_type: "user",
                target_id: &status.user_id,
                before: Some(serde_json::json!({"state": status.current_state})),
                after: Some(serde_json::json!({"state": to})),
                reason: Some(message),
                ..store::audit::Entry::new(action)
            })
            .await?;
        }
        tx.commit().await
    }
}

impl Core {
    /// Whether a new account may use this username or email: not while a retired identity holds
    /// it under the re-use policy. `Err` names the field.
    pub(crate) async fn check_not_retired(&self, username: &str, email: &str) -> Result<(), DomainError> {
        let settings = self.settings();
        // The retirement service user's name is reserved: it is made with `manage-user`, never registered.
        if registrar::retirement::is_reserved_username(username, &settings.service_username) {
            return Err(DomainError::new(ErrorCode::UsernameTaken).on_field("username"));
        }
        let now = now_ms();
        for (key, values) in [
            (rs::IdentityKey::Username, settings.names.all_usernames(username)),
            (rs::IdentityKey::Email, settings.names.all_emails(email)),
        ] {
            let found = rs::retired_at(self.db(), key, &values).await?;
            if found.iter().any(|at| settings.reuse.blocks(*at, now)) {
                return Err(if key == rs::IdentityKey::Username {
                    DomainError::new(ErrorCode::UsernameTaken).on_field("username")
                } else {
                    DomainError::new(ErrorCode::EmailTaken).on_field("email")
                });
            }
        }
        Ok(())
    }
}

/// A plain-text mail to the account's own address, about that account.
pub(crate) fn mail_to<'a>(user: &'a users::UserRow, subject: &'a str, body: &'a str) -> outbox::NewMail<'a> {
    outbox::NewMail {
        user_id: Some(&user.id),
        to: &user.email,
        subject,
        body_text: body,
        body_html: None,
        ..outbox::NewMail::default()
    }
}

/// A mail body with the values of its links' secrets (`token=`, `invitation=`) replaced, for
/// staff who are not superusers.
pub(crate) fn hide_tokens(body: &str, note: &str) -> String {
    body.split_inclusive(char::is_whitespace)
        .map(|word| {
            ["token=", "invitation="].iter().fold(word.to_owned(), |word, param| {
                match word.split_once(param) {
                    Some((before, rest)) => {
                        let tail: String =
                            rest.chars().skip_while(|c| !c.is_whitespace() && *c != '&').collect();
                        format!("{before}{param}{note}{tail}")
                    }
                    None => word,
                }
            })
        })
        .collect()
}

/// Who acts, for the audit log: a global staff member.
pub(crate) fn staff_actor<P: ConsolePermission>(staff: &Console<P>) -> Actor<'_> {
    Actor { id: Some(&staff.principal().user_id.0), label: staff.actor() }
}

/// Who acts, for the audit log: the service user.
pub(crate) fn worker_actor(worker: &RetirementWorker) -> Actor<'_> {
    Actor { id: Some(&worker.principal().user_id.0), label: worker.actor() }
}

pub(crate) fn require_reason(reason: &str) -> Result<&str, DomainError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DomainError::with_message(
            ErrorCode::InputInvalid,
            "Give a reason; it goes into the history.",
        )
        .on_field("reason"));
    }
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_are_hidden_from_staff() {
        let body = "Cancel here:\nhttp://x/account/cancel-deletion?token=abc.123.def\nThanks";
        let hidden = hide_tokens(body, "(hidden: superusers only)");
        assert!(!hidden.contains("abc.123.def"), "{hidden}");
        assert!(hidden.contains("cancel-deletion?token=(hidden: superusers only)\nThanks"), "{hidden}");
        let invited = "Register:\nhttp://x/register?email=a%40b.org&invitation=inv.99.ff00\n";
        let hidden = hide_tokens(invited, "(hidden)");
        assert!(!hidden.contains("ff00"), "{hidden}");
        assert!(hidden.contains("register?email=a%40b.org&invitation=(hidden)\n"), "{hidden}");
    }

    #[test]
    fn iso_times_are_utc() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(86_400_000 + 3_723_000), "1970-01-02T01:02:03Z");
    }
}
