//! Accounts and bearer tokens made by management commands (`registrar manage-user`,
//! `create-token`): `app::ports::accounts::ManageAccounts`. Runs for a named system principal only.

use super::AccountService;
use crate::auth::{password, secret};
use crate::services::internal;
use crate::store::{self, sessions, tokens, users};
use app::gate::System;
use app::model::{ManageUser, ManageUserReport};
use app::ports::accounts::ManageAccounts;
use registrar::account::{validate_full_name, validate_password, Email, Username};
use registrar::activation::AccountState;
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};

#[async_trait::async_trait]
impl ManageAccounts for AccountService {
    async fn manage_user(&self, admin: &System, req: ManageUser) -> Result<ManageUserReport, DomainError> {
        let username = Username::parse(&req.username)?;
        let email = Email::parse(&req.email)?;
        let full_name = match &req.full_name {
            Some(name) => Some(validate_full_name(name)?),
            None => None,
        };
        if req.password.is_some() && req.unusable_password {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Choose either a password or --unusable-password, not both.",
            ));
        }
        if let Some(pw) = &req.password {
            validate_password(pw, username.as_str(), email.as_str())?;
        }
        let hash = match &req.password {
            Some(pw) => Some(password::hash(pw).await.map_err(internal)?),
            None => None,
        };
        let mut group_ids = Vec::new();
        for name in req.groups.iter().flatten() {
            let group = store::groups::find_by_name(&self.core.db, name).await?.ok_or_else(|| {
                DomainError::with_message(
                    ErrorCode::NotFound,
                    format!("There is no group '{}'; nothing was changed.", name.trim()),
                )
            })?;
            group_ids.push((group.id, group.name));
        }
        let existing = users::find_by_username(&self.core.db, username.as_str()).await?;
        let mut tx = self.core.begin().await?;
        let (id, mut report, before, after) = match existing {
            Some(user) => {
                if user.email.to_lowercase() != email.folded() {
                    return Err(DomainError::with_message(
                        ErrorCode::InputInvalid,
                        format!(
                            "User {} exists with the email {}, not {}; nothing was changed.",
                            user.username,
                            user.email,
                            email.as_str()
                        ),
                    ));
                }
                let mut changes = Vec::new();
                let flag = |name: &str, from: bool, to: bool, changes: &mut Vec<String>| {
                    if from != to {
                        changes.push(format!("{name}: {from} -> {to}"));
                    }
                };
                flag("is_staff", user.is_staff.0, req.is_staff, &mut changes);
                flag("is_superuser", user.is_superuser.0, req.is_superuser, &mut changes);
                let password_change = if req.unusable_password {
                    (user.password_hash.is_some())
                        .then(|| changes.push("password: made unusable".to_owned()));
                    Some(None)
                } else if let Some(h) = &hash {
                    changes.push("password: set".to_owned());
                    Some(Some(h.as_str()))
                } else {
                    None
                };
                let new_name = full_name.as_deref().filter(|n| *n != user.full_name);
                if let Some(name) = new_name {
                    changes.push(format!("full_name: {} -> {name}", user.full_name));
                }
                let reduced =
                    (user.is_staff.0 && !req.is_staff) || (user.is_superuser.0 && !req.is_superuser);
                let ends_sessions = password_change.is_some() || reduced;
                users::update(
                    &mut *tx,
                    &user.id,
                    &users::Update {
                        full_name: new_name,
                        is_staff: req.is_staff,
                        is_superuser: req.is_superuser,
                        password_hash: password_change,
                    },
                )
                .await?;
                if ends_sessions {
                    // New credentials or fewer privileges: nothing signed in under the old ones survives.
                    let ended = sessions::delete_for_user(&mut *tx, &user.id).await?;
                    let revoked = tokens::revoke_for_user(&mut *tx, &user.id).await?;
                    if ended + revoked > 0 {
                        changes.push(format!("ended {ended} session(s) and revoked {revoked} token(s)"));
                    }
                }
                let before =
                    serde_json::json!({"is_staff": user.is_staff.0, "is_superuser": user.is_superuser.0});
                let after = serde_json::json!({"is_staff": req.is_staff, "is_superuser": req.is_superuser});
                (user.id, ManageUserReport { created: false, changes }, Some(before), after)
            }
            None => {
                let name = full_name.clone().unwrap_or_else(|| username.as_str().to_owned());
                let new = users::NewUser {
                    username: username.as_str(),
                    email: email.as_str(),
                    full_name: &name,
                    password_hash: hash.as_deref(),
                    is_active: true,
                    is_staff: req.is_staff,
                    is_superuser: req.is_superuser,
                    state: AccountState::Active,
                    email_verified: false,
                };
                let id = users::insert(&mut *tx, &new).await.map_err(|e| match e {
                    users::WriteError::UsernameTaken => DomainError::new(ErrorCode::UsernameTaken),
                    users::WriteError::EmailTaken => DomainError::new(ErrorCode::EmailTaken),
                    users::WriteError::Db(e) => internal(e),
                })?;
                let password_state = if hash.is_some() { "set" } else { "unusable" };
                let changes = vec![
                    format!("email: {}", email.as_str()),
                    format!("is_staff: {}", req.is_staff),
                    format!("is_superuser: {}", req.is_superuser),
                    format!("password: {password_state}"),
                ];
                let after = serde_json::json!({
                    "username": username.as_str(), "email": email.as_str(), "full_name": name,
                    "is_staff": req.is_staff, "is_superuser": req.is_superuser,
                });
                (id, ManageUserReport { created: true, changes }, None, after)
            }
        };
        if req.groups.is_some() {
            let wanted: Vec<String> = group_ids.iter().map(|(id, _)| id.clone()).collect();
            let current = store::personal_data::group_memberships(&mut tx, &id).await?;
            for (group_id, name) in current.iter().filter(|(g, _)| !wanted.contains(g)) {
                store::groups::remove_member(&mut tx, group_id, &id).await?;
                report.changes.push(format!("left group {name}"));
            }
            for (group_id, name) in group_ids.iter().filter(|(g, _)| !current.iter().any(|(c, _)| c == g)) {
                store::groups::add_members(&mut tx, group_id, std::slice::from_ref(&id)).await?;
                report.changes.push(format!("joined group {name}"));
            }
        }
        if report.created || !report.changes.is_empty() {
            tx.audit(&store::audit::Entry {
                actor_label: admin.actor(),
                target_type: "user",
                target_id: &id,
                before,
                after: Some(after),
                ..store::audit::Entry::new(if report.created {
                    AuditAction::UserCreate
                } else {
                    AuditAction::UserUpdate
                })
            })
            .await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    async fn issue_token(
        &self,
        admin: &System,
        username: &str,
        name: &str,
        expires_at: Option<i64>,
    ) -> Result<String, DomainError> {
        let user = users::find_by_username(&self.core.db, username).await?.ok_or_else(|| {
            DomainError::with_message(ErrorCode::NotFound, format!("There is no user {username}."))
        })?;
        if !user.is_active.0 {
            return Err(DomainError::with_message(
                ErrorCode::AuthInactive,
                format!("User {username} is not active."),
            ));
        }
        let token = secret::new_secret();
        let mut tx = self.core.begin().await?;
        let digest = secret::digest(&token);
        let new = tokens::NewToken {
            token_hash: &digest,
            user_id: &user.id,
            name,
            expires_at,
            scopes: None,
            client_id: None,
        };
        let id = tokens::create(&mut *tx, &new).await?;
        tx.audit(&store::audit::Entry {
            actor_label: admin.actor(),
            target_type: "api_token",
            target_id: &id,
            after: Some(serde_json::json!({"user": user.username, "name": name, "expires_at": expires_at})),
            ..store::audit::Entry::new(AuditAction::TokenIssue)
        })
        .await?;
        tx.commit().await?;
        Ok(token)
    }
}
