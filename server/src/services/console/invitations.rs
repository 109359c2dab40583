//! Invitations by email (`app::ports::console::Invitations`): inviting, listing, revoking; an
//! existing account that is not set up is set up at once.

use super::roles::checked_grant;
use super::*;
use crate::store::{self, console as cs, new_id, now_ms, users};
use app::gate::ConsoleActor;
use app::model::console::{InvitationLine, InvitationRequest};
use app::model::format_date;
use app::ports::console::Invitations;
use registrar::account::Email;
use registrar::console::{Section, Verb};
use registrar::roles::Role;
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use serde_json::json;

pub(crate) fn invitation_line(i: cs::InvitationRow, now: i64) -> InvitationLine {
    let status = if i.accepted_at.is_some() {
        "accepted"
    } else if i.revoked_at.is_some() {
        "revoked"
    } else if i.expires_at.is_some_and(|end| now >= end) {
        "expired"
    } else {
        "open"
    };
    let role_label =
        i.role.as_deref().map(|r| Role::parse(r).map_or_else(|_| r.to_owned(), |r| r.label().to_owned()));
    let scope = i
        .role
        .as_ref()
        .map(|_| i.course_key.clone().or(i.org.clone()).unwrap_or_else(|| "global".to_owned()));
    InvitationLine {
        id: i.id,
        email: i.email,
        role_label,
        scope,
        created_at: i.created_at,
        expires_at: i.expires_at,
        status: status.to_owned(),
        username: i.username,
    }
}

#[async_trait::async_trait]
impl Invitations for ConsoleService {
    async fn invitations(
        &self,
        _actor: &ConsoleActor<'_, ViewInvitations>,
    ) -> Result<Vec<InvitationLine>, DomainError> {
        let now = now_ms();
        Ok(cs::invitations(self.core.db(), 500).await?.into_iter().map(|i| invitation_line(i, now)).collect())
    }

    async fn invite(
        &self,
        actor: &ConsoleActor<'_, AddInvitations>,
        request: InvitationRequest,
    ) -> Result<String, DomainError> {
        if !request.role.trim().is_empty() {
            // Giving a role is another permission: that is `invite_with_role`'s door.
            return Err(refusal(Permission::new(Section::Roles, Verb::Add)));
        }
        self.invite_as(actor, request).await
    }

    async fn invite_with_role(
        &self,
        actor: &ConsoleActor<'_, InviteWithRole>,
        request: InvitationRequest,
    ) -> Result<String, DomainError> {
        self.invite_as(actor, request).await
    }

    async fn revoke_invitation(
        &self,
        actor: &ConsoleActor<'_, DeleteInvitations>,
        id: &str,
    ) -> Result<(), DomainError> {
        let invitation = cs::invitation(self.core.db(), id.trim())
            .await?
            .ok_or_else(|| DomainError::with_message(ErrorCode::NotFound, "There is no such invitation."))?;
        let mut tx = self.core.begin().await?;
        if !cs::revoke_invitation(&mut tx, &invitation.id).await? {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("The invitation of {} was used or revoked already.", invitation.email),
            ));
        }
        audit(
            &mut tx,
            actor,
            AuditAction::InvitationRevoke,
            ("invitation", &invitation.id),
            None,
            Some(json!({ "email": invitation.email })),
            None,
        )
        .await?;
        tx.commit().await
    }
}

impl ConsoleService {
    /// Invite an email (with the role the request names, if any): what both doors share.
    pub(crate) async fn invite_as<P: ConsolePermission>(
        &self,
        actor: &ConsoleActor<'_, P>,
        request: InvitationRequest,
    ) -> Result<String, DomainError> {
        let email = Email::parse(&request.email).map_err(|e| e.on_field("email"))?;
        let grant = if request.role.trim().is_empty() {
            None
        } else {
            Some(
                checked_grant(self.core.db(), &request.role, &request.scope)
                    .await
                    .map_err(|e| e.on_field("role"))?,
            )
        };
        let expires_at = registrar::roles::parse_end_date(&request.expires, now_ms())
            .map_err(|e| e.on_field("expires"))?;
        let existing = users::find_by_login(self.core.db(), email.as_str()).await?;
        let existing = existing.filter(|u| u.email.to_lowercase() == email.folded());
        if let Some(user) = existing.as_ref().filter(|u| u.state != "new") {
            return Err(DomainError::with_message(
                ErrorCode::InvitationExists,
                format!(
                    "{} already has an account ({}, {}); give it roles on the Roles page, or reactivate it on its page.",
                    email.as_str(),
                    user.username,
                    app::model::console::state_label(&user.state, user.is_active.0)
                ),
            )
            .on_field("email"));
        }
        let id = new_id();
        let (role, org, course) = match &grant {
            Some(g) => {
                let (_, org, course) = store::roles::scope_columns(&g.scope);
                (Some(g.role.as_str().to_owned()), org, course)
            }
            None => (None, None, None),
        };
        // Read (or create) the link key before the transaction takes SQLite's write lock.
        let key = self.core.link_key().await?;
        let mut tx = self.core.begin().await?;
        let stored = cs::insert_invitation(
            &mut tx,
            &cs::NewInvitation {
                id: &id,
                email: email.as_str(),
                role: role.as_deref(),
                org: org.as_deref(),
                course_key: course.as_deref(),
                expires_at,
            },
        )
        .await?;
        if !stored {
            return Err(DomainError::with_message(
                ErrorCode::InvitationExists,
                format!("{} has an open invitation already; revoke it to send a new one.", email.as_str()),
            )
            .on_field("email"));
        }
        audit(
            &mut tx,
            actor,
            AuditAction::InvitationCreate,
            ("invitation", &id),
            None,
            Some(json!({ "email": email.as_str(), "role": role, "org": org, "course": course, "expires_at": expires_at })),
            None,
        )
        .await?;
        // An account with this email that is not set up yet is set up now, if its address is
        // proven; otherwise when it is (whoever registered it may not own the address).
        if let Some(user) = existing.filter(|u| u.state == "new" && u.email_verified_at.is_some()) {
            cs::accept_invitation(&mut tx, &id, &user.id).await?;
            if let Some(g) = &grant {
                store::roles::grant(&mut tx, &user.id, g, actor.user_id()).await?;
            }
            self.reactivate_in(&mut tx, actor, &user, false).await?;
        } else {
            // Registering through the mailed link proves the address: no second mail to confirm it.
            let link = self.core.invitation_link(&key, email.as_str(), expires_at)?;
            let until = expires_at.map(|t| format_date(t - 1));
            let mail = crate::notices::invitation(&link, until.as_deref());
            store::outbox::enqueue(
                &mut *tx,
                &store::outbox::NewMail {
                    to: email.as_str(),
                    subject: &mail.subject,
                    body_text: &mail.body,
                    ..Default::default()
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }
}
