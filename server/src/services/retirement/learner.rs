//! The learner's side of account deletion (`app::ports::retirement::Deletion`): what "Delete my
//! account" shows, confirming with the password or a mailed link, cancelling through the mailed
//! link, "Download my data".

use super::*;
use crate::services::{internal, Core};
use crate::store::enrollments::Actor;
use crate::store::personal_export;
use crate::store::retirement::{self as rs};
use crate::store::{now_ms, outbox, users};
use app::gate::{Me, Public};
use app::model::{CancelDeletionPage, DeletionInfo, DeletionQueued};
use app::ports::retirement::Deletion;
use app::ports::ClientMeta;
use registrar::retirement::PENDING;
use registrar::{DomainError, ErrorCode};

#[async_trait::async_trait]
impl Deletion for RetirementService {
    async fn deletion_info(&self, me: &Me) -> Result<DeletionInfo, DomainError> {
        let user =
            users::get(self.core.db(), &me.principal().user_id.0).await?.ok_or(ErrorCode::AuthRequired)?;
        Ok(DeletionInfo {
            username: user.username,
            email: user.email,
            has_password: user.password_hash.is_some(),
            cool_off_days: self.core.settings().cool_off_days,
        })
    }

    async fn request_deletion(
        &self,
        me: &Me,
        password: &str,
        client: &ClientMeta,
    ) -> Result<DeletionQueued, DomainError> {
        let user =
            users::get(self.core.db(), &me.principal().user_id.0).await?.ok_or(ErrorCode::AuthRequired)?;
        self.core.check_own_password(&user, password, "password", client).await?;
        let actor = me.principal().username.clone();
        let status = self.queue_deletion(&user, "learner", &actor, Some(&user.id), None, true).await?;
        Ok(DeletionQueued { due_at: status.due_at, email: user.email })
    }

    async fn request_deletion_link(&self, me: &Me) -> Result<String, DomainError> {
        let user =
            users::get(self.core.db(), &me.principal().user_id.0).await?.ok_or(ErrorCode::AuthRequired)?;
        if user.password_hash.is_some() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Your account has a password: confirm the deletion with it.",
            ));
        }
        let key = self.core.link_key().await?;
        let until = now_ms() + CONFIRM_LINK_MS;
        let token = Core::sign(&key, "delete", &user.id, until)?;
        let link = format!("{}/account/confirm-deletion?token={token}", self.core.site_url());
        let mail = crate::notices::confirm_deletion(&user.full_name, &user.username, &link);
        outbox::enqueue(&self.core.db().pool, &mail_to(&user, &mail.subject, &mail.body)).await?;
        Ok(user.email)
    }

    async fn confirm_link_info(&self, _public: &Public, token: &str) -> Result<DeletionInfo, DomainError> {
        let id = self.core.verify_link("delete", token).await?;
        let user = users::get(self.core.db(), &id).await?.ok_or(ErrorCode::LinkInvalid)?;
        Ok(DeletionInfo {
            username: user.username,
            email: user.email,
            has_password: user.password_hash.is_some(),
            cool_off_days: self.core.settings().cool_off_days,
        })
    }

    async fn confirm_deletion_by_link(
        &self,
        _public: &Public,
        token: &str,
    ) -> Result<DeletionQueued, DomainError> {
        let id = self.core.verify_link("delete", token).await?;
        let user = users::get(self.core.db(), &id).await?.ok_or(ErrorCode::LinkInvalid)?;
        if !user.is_active.0 && rs::for_user(&self.core.db().pool, &user.id).await?.is_none() {
            return Err(ErrorCode::AuthInactive.into());
        }
        // One use: a request recorded since the link was made (it lives an hour) spent it.
        let issued =
            token.split('.').nth(1).and_then(|t| t.parse::<i64>().ok()).unwrap_or(0) - CONFIRM_LINK_MS;
        let used = rs::requests_since(self.core.db(), &user.id, issued).await?;
        if used > 0 && rs::for_user(&self.core.db().pool, &user.id).await?.is_none() {
            return Err(DomainError::with_message(ErrorCode::LinkInvalid, "This link was already used."));
        }
        let status =
            self.queue_deletion(&user, "learner", &user.username, Some(&user.id), None, true).await?;
        Ok(DeletionQueued { due_at: status.due_at, email: user.email })
    }

    async fn cancel_link_info(
        &self,
        _public: &Public,
        token: &str,
    ) -> Result<CancelDeletionPage, DomainError> {
        let status = self.cancel_link_status(token).await?;
        Ok(CancelDeletionPage {
            username: status.original_username,
            due_at: status.due_at,
            can_cancel: status.current_state == PENDING && now_ms() < status.due_at,
            state: status.current_state,
        })
    }

    async fn cancel_by_link(&self, _public: &Public, token: &str) -> Result<String, DomainError> {
        let status = self.cancel_link_status(token).await?;
        let actor = status.original_username.clone();
        self.cancel_pending(
            &status,
            Actor { id: Some(&status.user_id), label: &actor },
            "cancelled by the learner through the mailed link",
        )
        .await?;
        Ok(status.original_username)
    }

    async fn export_my_data(&self, me: &Me) -> Result<String, DomainError> {
        let mut conn = self.core.db().connection().await?;
        let mut data = personal_export::export(&mut conn, &me.principal().user_id.0).await?;
        // Links in mail act for whoever holds them (confirm an address, cancel a deletion, choose a
        // password): the download shows the mail, not the live links.
        if let Some(mail) = data.get_mut("mail").and_then(serde_json::Value::as_array_mut) {
            for m in mail {
                if let Some(body) = m.get("body_text").and_then(serde_json::Value::as_str) {
                    let hidden = super::hide_tokens(body, "(link removed from the download)");
                    m["body_text"] = serde_json::Value::String(hidden);
                }
            }
        }
        let doc = serde_json::json!({
            "exported_at": iso(now_ms()),
            "about": "Everything Registrar holds about you, by table.",
            "data": data,
        });
        serde_json::to_string_pretty(&doc).map_err(internal)
    }
}

impl RetirementService {
    /// The retirement a mailed cancel link names (the token is the credential).
    async fn cancel_link_status(&self, token: &str) -> Result<StatusRow, DomainError> {
        let id = self.core.verify_link("cancel", token).await?;
        rs::get(self.core.db(), &id).await?.ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::LinkInvalid,
                "This deletion was already cancelled or is finished.",
            )
        })
    }
}
