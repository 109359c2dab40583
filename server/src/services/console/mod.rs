//! The admin console's use cases, one module per section: `users` (search, one account, create,
//! profile, flags, password links), `status` (deactivate, reactivate, bulk), `agreements`,
//! `invitations`, `roles` (role assignments and group permissions), `audit` (audit log, jobs, mail).
//!
//! This module owns what the sections share: the permission check for management commands, the
//! superuser-only rule for privileged accounts, the audit entry writer, account lookups.

use crate::services::{internal, Core};
use crate::store::{self, console as cs, users};
use app::gate::console::*;
use app::gate::ConsoleActor;
use app::model::console::UserListRow;
use registrar::activation::AccountState;
use registrar::console::{refusal, Permission};
use registrar::ids::UserId;
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use serde_json::json;
use std::sync::Arc;
pub mod accounts;
pub mod agreements;
pub mod audit;
pub mod invitations;
pub mod roles;
pub mod status;

/// Audit entries per page of a CSV export (one page in memory at a time).
pub(crate) const AUDIT_CSV_PAGE: i64 = 2_000;

/// How a new account starts: its state and whether it is a superuser.
pub(crate) struct AccountStart {
    pub state: AccountState,
    pub superuser: bool,
}

/// Accounts with staff or superuser status are changed by superusers only: otherwise anyone who may
/// change users could take over a more privileged account (change its email, then mail it a
/// password link) or lock it out.
pub(crate) fn check_privileged_target<P: ConsolePermission>(
    actor: &ConsoleActor<'_, P>,
    user: &users::UserRow,
) -> Result<(), DomainError> {
    if (user.is_staff.0 || user.is_superuser.0) && !actor.is_superuser() {
        return Err(DomainError::with_message(
            ErrorCode::Forbidden,
            format!(
                "{} has staff or superuser status: only a superuser may change that account.",
                user.username
            ),
        ));
    }
    Ok(())
}

/// The list line of an account; a stored state outside the schema's list is a data error.
pub(crate) fn user_line(u: &users::UserRow) -> Result<UserListRow, DomainError> {
    Ok(UserListRow {
        id: u.id.clone(),
        username: u.username.clone(),
        email: u.email.clone(),
        full_name: u.full_name.clone(),
        state: AccountState::parse(&u.state).map_err(internal)?,
        is_active: u.is_active.0,
        is_staff: u.is_staff.0,
        is_superuser: u.is_superuser.0,
        date_joined: u.date_joined,
        last_login: u.last_login,
        email_verified: u.email_verified_at.is_some(),
    })
}

/// The audit entry of a console change, inside its transaction.
pub(crate) async fn audit<P: ConsolePermission>(
    conn: &mut store::Conn,
    actor: &ConsoleActor<'_, P>,
    action: AuditAction,
    target: (&str, &str),
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    reason: Option<&str>,
) -> Result<(), DomainError> {
    store::audit::append(
        conn,
        &store::audit::Entry {
            actor_id: actor.user_id(),
            actor_label: actor.label(),
            target_type: target.0,
            target_id: target.1,
            before,
            after,
            reason,
            ..store::audit::Entry::new(action)
        },
    )
    .await
    .map_err(internal)
}

pub(crate) fn flags_json(u: &users::UserRow) -> serde_json::Value {
    json!({ "state": u.state, "is_active": u.is_active.0, "is_staff": u.is_staff.0, "is_superuser": u.is_superuser.0 })
}

/// The admin console's sections.
pub struct ConsoleService {
    core: Arc<Core>,
}

impl ConsoleService {
    #[must_use]
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }
}

impl ConsoleService {
    /// The account named by a username or email, or `NOT_FOUND` naming what was typed.
    pub(crate) async fn account_named(&self, identifier: &str) -> Result<users::UserRow, DomainError> {
        let typed = identifier.trim();
        if typed.is_empty() {
            return Err(DomainError::with_message(ErrorCode::InputInvalid, "Enter a username or email.")
                .on_field("identifier"));
        }
        users::find_by_login(self.core.db(), typed).await?.ok_or_else(|| {
            DomainError::with_message(ErrorCode::UserNotFound, format!("There is no account '{typed}'."))
        })
    }

    /// The active superusers other than `except`.
    pub(crate) async fn other_superusers(&self, except: &str) -> Result<i64, DomainError> {
        users::count_other_active_superusers(self.core.db(), except).await.map_err(internal)
    }
}

impl Core {
    /// The console permissions a user holds through their groups.
    pub(crate) async fn console_permissions_of(
        &self,
        user_id: &UserId,
    ) -> Result<Vec<Permission>, DomainError> {
        let names = cs::permissions_of(self.db(), &user_id.0).await?;
        Ok(names.iter().filter_map(|n| Permission::parse(n).ok()).collect())
    }

    /// The console sections a user may open, for navigation.
    pub(crate) async fn console_sections_of(
        &self,
        user: &users::UserRow,
    ) -> Result<Vec<String>, DomainError> {
        if !(user.is_staff.0 || user.is_superuser.0) {
            return Ok(Vec::new());
        }
        let held = self.console_permissions_of(&UserId(user.id.clone())).await?;
        let role = registrar::console::ConsoleRole {
            is_active: user.is_active.0,
            is_staff: user.is_staff.0,
            is_superuser: user.is_superuser.0,
        };
        Ok(registrar::console::visible_sections(role, &held)
            .into_iter()
            .map(|s| s.as_str().to_owned())
            .collect())
    }
}
