//! The console's users section (`app::ports::console::ConsoleUsers`): search, one account's page,
//! creating accounts, profile and flags, ending sessions, mailed password links.

use super::agreements::{domain_agreements, domain_signatures, signature_line};
use super::audit::audit_line;
use super::roles::scope_text;
use super::*;
use crate::services::internal;
use crate::store::{self, console as cs, now_ms, sessions, tokens, user_admin, users};
use app::gate::{ConsoleActor, Public};
use app::model::console::{
    EnrollmentLine, GrantLine, NewAccount, SessionLine, TokenLine, UserDetail, UserList, UserQuery,
    CONSOLE_PAGE_SIZE,
};
use app::ports::console::ConsoleUsers;
use registrar::account::{validate_full_name, validate_password, Email, Username};
use registrar::activation::{self, AccountState};
use registrar::console::require_superuser;
use registrar::roles::Role;
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use serde_json::json;

#[async_trait::async_trait]
impl ConsoleUsers for ConsoleService {
    async fn search_users(
        &self,
        _actor: &ConsoleActor<'_, ViewUsers>,
        query: &UserQuery,
    ) -> Result<UserList, DomainError> {
        let filter = cs::user_filter(query.filter.trim()).ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("'{}' is not a users filter.", query.filter.trim()),
            )
            .on_field("filter")
        })?;
        let page = query.page.max(1);
        let per_page = CONSOLE_PAGE_SIZE;
        let offset = i64::from(page - 1) * i64::from(per_page);
        let (rows, total) = cs::search_users(
            self.core.db(),
            &query.q,
            filter,
            i64::from(per_page),
            offset,
            UserList::COUNT_CAP,
        )
        .await?;
        Ok(UserList {
            rows: rows.iter().map(user_line).collect::<Result<_, _>>()?,
            total: total.min(UserList::COUNT_CAP),
            capped: total > UserList::COUNT_CAP,
            page,
            per_page,
        })
    }

    async fn user_detail(
        &self,
        _actor: &ConsoleActor<'_, ViewUsers>,
        identifier: &str,
    ) -> Result<UserDetail, DomainError> {
        let user = self.account_named(identifier).await?;
        let pool = &self.core.db().pool;
        let id = user.id.as_str();
        let enrollments = user_admin::enrollments(pool, id).await?;
        let grants = user_admin::role_assignments(pool, id).await?;
        let groups = user_admin::group_names(pool, id).await?;
        let session_rows = user_admin::live_sessions(pool, id).await?;
        let token_rows = user_admin::tokens(pool, id).await?;
        let agreements = cs::agreements(pool).await?;
        let signatures = cs::signatures_of(pool, id).await?;
        let (domain_a, domain_s) = (domain_agreements(&agreements), domain_signatures(&signatures));
        let unsigned = activation::unsigned_required(&domain_a, &domain_s)
            .into_iter()
            .map(|a| a.title.clone())
            .collect();
        let retirement = user_admin::retirement_state(pool, id).await?;
        let record_programs = user_admin::record_program_count(pool, id).await.unwrap_or(0);
        let audit = cs::audit(
            self.core.db(),
            &cs::AuditFilter {
                target_type: Some("user".into()),
                target_id: Some(user.id.clone()),
                ..Default::default()
            },
            50,
        )
        .await?
        .into_iter()
        .map(audit_line)
        .collect();
        Ok(UserDetail {
            user: user_line(&user)?,
            enrollments: enrollments
                .into_iter()
                .map(|e| EnrollmentLine {
                    course_key: e.course_key,
                    course_name: e.display_name,
                    mode: e.mode,
                    is_active: e.is_active.0,
                })
                .collect(),
            grants: grants
                .into_iter()
                .map(|g| GrantLine {
                    id: g.id,
                    role_label: Role::parse(&g.role)
                        .map_or_else(|_| g.role.clone(), |r| r.label().to_owned()),
                    role: g.role,
                    scope: scope_text(&g.scope, g.org.as_deref(), g.course_key.as_deref()),
                    expires_at: g.expires_at,
                })
                .collect(),
            groups,
            sessions: session_rows
                .into_iter()
                .map(|s| SessionLine {
                    created_at: s.created_at,
                    last_seen_at: s.last_seen_at,
                    ip: s.ip,
                    device: crate::services::accounts::device::describe(&s.user_agent),
                })
                .collect(),
            tokens: token_rows
                .into_iter()
                .map(|t| TokenLine {
                    name: t.name,
                    created_at: t.created_at,
                    last_used_at: t.last_used_at,
                    expires_at: t.expires_at,
                    revoked_at: t.revoked_at,
                })
                .collect(),
            signatures: signatures.iter().map(signature_line).collect(),
            unsigned,
            retirement,
            record_programs,
            audit,
            email_verified: user.email_verified_at.is_some(),
            second_factor: store::second_factors::of(self.core.db(), &user.id)
                .await?
                .is_some_and(|f| f.confirmed_at.is_some()),
            recent_sign_ins: crate::services::accounts::own::recent_sign_ins(self.core.db(), &user.id)
                .await?,
        })
    }

    async fn create_account(
        &self,
        actor: &ConsoleActor<'_, CreateUsers>,
        account: NewAccount,
    ) -> Result<String, DomainError> {
        // As in Django: adding needs change too, so "add" alone cannot make privileged accounts.
        if account.is_superuser {
            require_superuser(actor.is_superuser(), "create a superuser")?;
        }
        let username = Username::parse(&account.username).map_err(|e| e.on_field("username"))?;
        let email = Email::parse(&account.email).map_err(|e| e.on_field("email"))?;
        let full_name = validate_full_name(&account.full_name).map_err(|e| e.on_field("full_name"))?;
        self.core.check_not_retired(username.as_str(), email.as_str()).await?;
        let key = self.core.link_key().await?;
        let mut tx = self.core.begin().await?;
        let id = users::insert(
            &mut *tx,
            &users::NewUser {
                username: username.as_str(),
                email: email.as_str(),
                full_name: &full_name,
                password_hash: None,
                is_active: true,
                is_staff: account.is_staff,
                is_superuser: account.is_superuser,
                state: AccountState::Active,
                email_verified: false,
            },
        )
        .await
        .map_err(|e| match e {
            users::WriteError::UsernameTaken => {
                DomainError::new(ErrorCode::UsernameTaken).on_field("username")
            }
            users::WriteError::EmailTaken => DomainError::new(ErrorCode::EmailTaken).on_field("email"),
            users::WriteError::Db(e) => internal(e),
        })?;
        let user = users::UserRow {
            id: id.clone(),
            username: username.as_str().to_owned(),
            email: email.as_str().to_owned(),
            full_name: full_name.clone(),
            password_hash: None,
            is_active: store::Flag(true),
            is_staff: store::Flag(account.is_staff),
            is_superuser: store::Flag(account.is_superuser),
            date_joined: now_ms(),
            last_login: None,
            state: AccountState::Active.as_str().to_owned(),
            email_verified_at: None,
        };
        audit(
            &mut tx,
            actor,
            AuditAction::UserCreate,
            ("user", &id),
            None,
            Some(json!({
                "username": user.username, "email": user.email, "full_name": user.full_name,
                "is_staff": account.is_staff, "is_superuser": account.is_superuser,
            })),
            None,
        )
        .await?;
        if account.send_reset {
            self.core.queue_reset_mail(&mut tx, &key, &user, false).await?;
        }
        tx.commit().await?;
        Ok(user.username)
    }

    async fn update_profile(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
        full_name: &str,
        email: &str,
    ) -> Result<(), DomainError> {
        let user = self.account_named(username).await?;
        check_privileged_target(actor, &user)?;
        let email = Email::parse(email).map_err(|e| e.on_field("email"))?;
        let full_name = validate_full_name(full_name).map_err(|e| e.on_field("full_name"))?;
        if email.as_str() == user.email && full_name == user.full_name {
            return Ok(());
        }
        let new_address = email.folded() != user.email.to_lowercase();
        let key = if new_address { self.core.link_key().await? } else { Vec::new() };
        let mut tx = self.core.begin().await?;
        users::set_email_and_name(&mut tx, &user.id, email.as_str(), &email.folded(), &full_name)
            .await
            .map_err(|e| match e {
                users::WriteError::Db(e) => internal(e),
                users::WriteError::EmailTaken | users::WriteError::UsernameTaken => {
                    DomainError::new(ErrorCode::EmailTaken).on_field("email")
                }
            })?;
        audit(
            &mut tx,
            actor,
            AuditAction::UserUpdate,
            ("user", &user.id),
            Some(json!({ "email": user.email, "full_name": user.full_name })),
            Some(json!({ "email": email.as_str(), "full_name": full_name })),
            None,
        )
        .await?;
        if new_address {
            // The new address is not proven until its owner follows the link mailed to it.
            let target = crate::services::accounts::redemption::ConfirmTarget {
                id: &user.id,
                username: &user.username,
                email: email.as_str(),
                full_name: &full_name,
            };
            self.core.queue_confirmation(&mut tx, &key, target).await?;
        }
        tx.commit().await
    }

    async fn set_flags(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
        is_staff: bool,
        is_superuser: bool,
    ) -> Result<(), DomainError> {
        let user = self.account_named(username).await?;
        check_privileged_target(actor, &user)?;
        if is_superuser != user.is_superuser.0 {
            require_superuser(actor.is_superuser(), "grant or remove superuser status")?;
        }
        if is_staff && !user.is_staff.0 {
            // Staff status turns on the console permissions of the account's groups: for a member
            // of a group that gives some, that is giving console permissions (superusers only).
            let given = cs::permissions_of(self.core.db(), &user.id).await?;
            if !given.is_empty() {
                require_superuser(
                    actor.is_superuser(),
                    "give staff status to a member of a group that gives console permissions",
                )?;
            }
        }
        activation::check_self_change(
            actor.user_id().unwrap_or_default(),
            &user.id,
            false,
            user.is_superuser.0 && !is_superuser,
        )?;
        if (is_staff || is_superuser) && !user.is_active.0 {
            return Err(DomainError::with_message(
                ErrorCode::UserInactive,
                format!(
                    "{} is not active; reactivate the account before giving it staff or superuser status.",
                    user.username
                ),
            ));
        }
        if user.is_superuser.0 && !is_superuser && self.other_superusers(&user.id).await? == 0 {
            return Err(DomainError::with_message(
                ErrorCode::SelfChangeRefused,
                format!("{} is the last active superuser.", user.username),
            ));
        }
        if is_staff == user.is_staff.0 && is_superuser == user.is_superuser.0 {
            return Ok(());
        }
        let mut tx = self.core.begin().await?;
        users::set_staff_and_superuser(&mut tx, &user.id, is_staff, is_superuser).await?;
        audit(
            &mut tx,
            actor,
            AuditAction::UserFlags,
            ("user", &user.id),
            Some(json!({ "is_staff": user.is_staff.0, "is_superuser": user.is_superuser.0 })),
            Some(json!({ "is_staff": is_staff, "is_superuser": is_superuser })),
            None,
        )
        .await?;
        tx.commit().await
    }

    async fn send_password_reset(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
    ) -> Result<(), DomainError> {
        let user = self.account_named(username).await?;
        check_privileged_target(actor, &user)?;
        if !user.is_active.0 {
            return Err(DomainError::with_message(
                ErrorCode::UserInactive,
                format!("{} is not active: a reset link would not let them sign in.", user.username),
            ));
        }
        let key = self.core.link_key().await?;
        let mut tx = self.core.begin().await?;
        audit(&mut tx, actor, AuditAction::UserPasswordResetLink, ("user", &user.id), None, None, None)
            .await?;
        self.core.queue_reset_mail(&mut tx, &key, &user, false).await?;
        tx.commit().await
    }

    async fn end_sessions(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
    ) -> Result<u64, DomainError> {
        let user = self.account_named(username).await?;
        let mut tx = self.core.begin().await?;
        let ended = self.end_sessions_in(&mut tx, actor, &user, None).await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn reset_second_factor(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
    ) -> Result<(), DomainError> {
        let user = self.account_named(username).await?;
        check_privileged_target(actor, &user)?;
        if actor.user_id() == Some(user.id.as_str()) {
            // A stolen console session must not swap the owner's own factor without the password.
            return Err(DomainError::with_message(
                ErrorCode::Forbidden,
                "Turn your own two-step sign-in off on My account (it asks for your password).",
            ));
        }
        let mut tx = self.core.begin().await?;
        if !store::second_factors::remove(&mut tx, &user.id).await? {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("{} does not use two-step sign-in.", user.username),
            ));
        }
        audit(&mut tx, actor, AuditAction::SecondFactorReset, ("user", &user.id), None, None, None).await?;
        let mail = crate::notices::second_factor_reset(&user.full_name, &user.username);
        crate::services::mail_account(&mut tx, &user, &mail).await?;
        tx.commit().await
    }

    async fn reset_link_info(&self, _public: &Public, token: &str) -> Result<String, DomainError> {
        Ok(self.core.reset_target(token).await?.username)
    }

    async fn reset_password(
        &self,
        _public: &Public,
        token: &str,
        password: &str,
        confirm: &str,
    ) -> Result<(), DomainError> {
        let user = self.core.reset_target(token).await?;
        if password != confirm {
            return Err(DomainError::new(ErrorCode::PasswordMismatch).on_field("password_confirm"));
        }
        validate_password(password, &user.username, &user.email).map_err(|e| e.on_field("password"))?;
        let hash = crate::auth::password::hash(password).await.map_err(internal)?;
        let mut tx = self.core.begin().await?;
        // The link is tied to the old password: if it changed meanwhile, this link is used up.
        let old_hash = user.password_hash.clone().unwrap_or_default();
        if !users::set_password_if_unchanged(&mut tx, &user.id, &hash, &old_hash).await? {
            return Err(DomainError::new(ErrorCode::LinkInvalid));
        }
        // New credentials: nothing signed in under the old ones survives, bearer tokens included.
        sessions::delete_for_user(&mut *tx, &user.id).await?;
        tokens::revoke_for_user(&mut *tx, &user.id).await?;
        tx.audit(&store::audit::Entry::by_owner(&user.id, &user.username, AuditAction::UserPasswordReset))
            .await?;
        // The link reached this address: it is proven, and what was addressed to it is redeemed.
        self.core.prove_address(&mut tx, &user).await?;
        tx.commit().await
    }
}
