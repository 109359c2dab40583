//! Account states from the console (`app::ports::console::AccountStatus`): deactivate (sessions,
//! tokens, flags, grants and memberships go in one transaction), reactivate, bulk actions with a
//! preview. It must not let anyone deactivate or demote themselves or the last superuser.

use super::agreements::{domain_agreements, domain_signatures};
use super::*;
use crate::store::lock::{self, Row};
use crate::store::{self, console as cs, oauth_clients, sessions, tokens, user_admin, users};
use app::gate::ConsoleActor;
use app::model::console::{BulkLine, BulkOutcome, BULK_ACTIONS};
use app::ports::console::AccountStatus;
use registrar::activation::{self, AccountState};
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use serde_json::json;

impl ConsoleService {
    /// End every session of `user` inside the caller's transaction, audited; returns how many.
    pub(crate) async fn end_sessions_in<P: ConsolePermission>(
        &self,
        conn: &mut store::Conn,
        actor: &ConsoleActor<'_, P>,
        user: &users::UserRow,
        reason: Option<&str>,
    ) -> Result<u64, DomainError> {
        let ended = sessions::delete_for_user(&mut *conn, &user.id).await?;
        audit(
            conn,
            actor,
            AuditAction::UserEndSessions,
            ("user", &user.id),
            None,
            Some(json!({ "sessions_ended": ended })),
            reason,
        )
        .await?;
        Ok(ended)
    }

    /// The checks before deactivating `user`: never oneself, never the last superuser.
    pub(crate) async fn check_deactivation<P: ConsolePermission>(
        &self,
        actor: &ConsoleActor<'_, P>,
        user: &users::UserRow,
    ) -> Result<(), DomainError> {
        activation::check_self_change(actor.user_id().unwrap_or_default(), &user.id, true, false)?;
        if user.state == AccountState::Deactivated.as_str() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("{} is deactivated already.", user.username),
            ));
        }
        if user.is_superuser.0 && self.other_superusers(&user.id).await? == 0 {
            return Err(DomainError::with_message(
                ErrorCode::SelfChangeRefused,
                format!(
                    "{} is the last active superuser; make someone else a superuser first.",
                    user.username
                ),
            ));
        }
        Ok(())
    }

    /// Deactivate inside the caller's transaction (checked already).
    pub(crate) async fn deactivate_in<P: ConsolePermission>(
        &self,
        conn: &mut store::Conn,
        actor: &ConsoleActor<'_, P>,
        user: &users::UserRow,
        reason: &str,
    ) -> Result<(), DomainError> {
        users::deactivate(&mut *conn, &user.id).await?;
        let ended_sessions = sessions::delete_for_user(&mut *conn, &user.id).await?;
        let revoked_tokens = tokens::revoke_for_user(&mut *conn, &user.id).await?;
        let clients = oauth_clients::revoke_for_user(&mut *conn, &user.id).await?;
        let dropped = user_admin::drop_grants_and_memberships(&mut *conn, &user.id).await?;
        audit(
            conn,
            actor,
            AuditAction::UserDeactivate,
            ("user", &user.id),
            Some(flags_json(user)),
            Some(json!({
                "state": "deactivated", "is_active": false, "is_staff": false, "is_superuser": false,
                "sessions_ended": ended_sessions, "tokens_revoked": revoked_tokens, "oauth_clients_revoked": clients,
                "grants_and_memberships_dropped": dropped,
            })),
            Some(reason).filter(|r| !r.trim().is_empty()),
        )
        .await
    }

    /// Set `user` up again inside the caller's transaction; returns the new state.
    pub(crate) async fn reactivate_in<P: ConsolePermission>(
        &self,
        conn: &mut store::Conn,
        actor: &ConsoleActor<'_, P>,
        user: &users::UserRow,
        bypass: bool,
    ) -> Result<AccountState, DomainError> {
        let current = AccountState::parse(&user.state)?;
        let deletion = store::retirement::for_user(&mut *conn, &user.id).await?;
        registrar::retirement::check_reactivation(
            deletion.as_ref().map(|d| d.current_state.as_str()),
            &user.username,
        )?;
        if current == AccountState::Active {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("{} is active already.", user.username),
            ));
        }
        let agreements = cs::agreements(&mut *conn).await?;
        let signatures = cs::signatures_of(&mut *conn, &user.id).await?;
        let agreements = domain_agreements(&agreements);
        let signatures = domain_signatures(&signatures);
        let unsigned = activation::unsigned_required(&agreements, &signatures);
        // Set up (invited) first; active at once when nothing is left to sign, or when bypassed.
        let next =
            activation::activate(AccountState::Invited, &unsigned, bypass).unwrap_or(AccountState::Invited);
        users::set_state(&mut *conn, &user.id, next.as_str(), next == AccountState::Active).await?;
        if next == AccountState::Active {
            self.core.redeem_for_proven_address(&mut *conn, &user.id).await?;
        }
        let unsigned_titles: Vec<&str> = unsigned.iter().map(|a| a.title.as_str()).collect();
        audit(
            conn,
            actor,
            if bypass { AuditAction::UserActivateBypassingAgreements } else { AuditAction::UserReactivate },
            ("user", &user.id),
            Some(flags_json(user)),
            Some(json!({ "state": next.as_str(), "unsigned_agreements": unsigned_titles })),
            None,
        )
        .await?;
        Ok(next)
    }

    /// The users named in a bulk action, in the order given, with those not found.
    pub(crate) async fn bulk_targets(
        &self,
        usernames: &[String],
    ) -> Result<Vec<(String, Option<users::UserRow>)>, DomainError> {
        let mut keys: Vec<String> =
            usernames.iter().map(|u| u.trim().to_lowercase()).filter(|u| !u.is_empty()).collect();
        keys.dedup();
        if keys.is_empty() {
            return Err(DomainError::with_message(ErrorCode::InputInvalid, "Tick at least one account."));
        }
        if keys.len() > 1_000 {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "A bulk action takes at most 1,000 accounts.",
            ));
        }
        let found = users::find_by_username_keys(self.core.db(), &keys).await?;
        Ok(keys
            .into_iter()
            .map(|k| {
                let row = found.iter().find(|u| u.username.to_lowercase() == k).cloned();
                (k, row)
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl AccountStatus for ConsoleService {
    async fn deactivate(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
        reason: &str,
    ) -> Result<(), DomainError> {
        let user = self.account_named(username).await?;
        check_privileged_target(actor, &user)?;
        self.check_deactivation(actor, &user).await?;
        let mut tx = self.core.begin().await?;
        self.deactivate_in(&mut tx, actor, &user, reason).await?;
        tx.commit().await
    }

    async fn reactivate(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
        bypass_agreements: bool,
    ) -> Result<String, DomainError> {
        let user = self.account_named(username).await?;
        check_privileged_target(actor, &user)?;
        let mut tx = self.core.begin().await?;
        // Write first (SQLite takes its write lock here, not at the first read).
        lock::row(&mut tx, Row::User, &user.id).await?;
        let state = self.reactivate_in(&mut tx, actor, &user, bypass_agreements).await?;
        tx.commit().await?;
        Ok(state.as_str().to_owned())
    }

    async fn bulk_users(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        action: &str,
        usernames: &[String],
        reason: &str,
        run: bool,
    ) -> Result<BulkOutcome, DomainError> {
        let reason = if reason.trim().is_empty() { "bulk action" } else { reason.trim() };
        if !BULK_ACTIONS.iter().any(|(a, _)| *a == action) {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("'{action}' is not a bulk action."),
            )
            .on_field("action"));
        }
        let targets = self.bulk_targets(usernames).await?;
        let mut lines = Vec::with_capacity(targets.len());
        let mut tx = self.core.begin().await?;
        if run {
            lock::writer(&mut tx).await?;
        }
        for (typed, user) in targets {
            let Some(user) = user else {
                lines.push(BulkLine {
                    username: typed.clone(),
                    change: String::new(),
                    refused: Some(format!("There is no account '{typed}'.")),
                });
                continue;
            };
            let privileged =
                if action == "end_sessions" { Ok(()) } else { check_privileged_target(actor, &user) };
            let check: Result<String, DomainError> = match action {
                _ if privileged.is_err() => privileged.map(|()| String::new()),
                "deactivate" => self.check_deactivation(actor, &user).await.map(|()| {
                    "Deactivate: end sessions, revoke tokens, drop staff/superuser, every grant and group"
                        .to_owned()
                }),
                "reactivate" if user.state == "active" => {
                    Err(DomainError::with_message(ErrorCode::InputInvalid, "Active already."))
                }
                "reactivate" => {
                    Ok("Set up again (active once the required agreements are signed)".to_owned())
                }
                "end_sessions" => {
                    let n = sessions::count_live(self.core.db(), &user.id).await?;
                    Ok(format!("End {n} session{}", if n == 1 { "" } else { "s" }))
                }
                _ if !user.is_staff.0 => {
                    Err(DomainError::with_message(ErrorCode::InputInvalid, "Not staff."))
                }
                _ => Ok("Remove staff status".to_owned()),
            };
            match check {
                Err(e) => lines.push(BulkLine {
                    username: user.username.clone(),
                    change: String::new(),
                    refused: Some(e.message),
                }),
                Ok(change) => {
                    if run {
                        match action {
                            "deactivate" => self.deactivate_in(&mut tx, actor, &user, reason).await?,
                            "reactivate" => {
                                self.reactivate_in(&mut tx, actor, &user, false).await?;
                            }
                            "end_sessions" => {
                                self.end_sessions_in(&mut tx, actor, &user, Some(reason)).await?;
                            }
                            _ => {
                                users::clear_staff(&mut tx, &user.id).await?;
                                audit(
                                    &mut tx,
                                    actor,
                                    AuditAction::UserFlags,
                                    ("user", &user.id),
                                    Some(json!({ "is_staff": true })),
                                    Some(json!({ "is_staff": false })),
                                    Some(reason),
                                )
                                .await?;
                            }
                        }
                    }
                    lines.push(BulkLine { username: user.username.clone(), change, refused: None });
                }
            }
        }
        if run {
            tx.commit().await?;
        }
        Ok(BulkOutcome { action: action.to_owned(), done: run, lines })
    }
}
