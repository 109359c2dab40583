//! The admin console's server functions for users, activation, agreements, invitations, role
//! assignments, group permissions, the audit log, jobs and mail — each asks the Gate for the
//! section permission it needs — and the account side of activation: reading and signing
//! agreements (open to invited accounts), and choosing a password with a mailed link (public).

use crate::error::ApiError;
use crate::model::console::{
    AgreementView, AuditPage, BulkOutcome, InvitationLine, JobLine, MyAgreements, RoleAssignmentLine,
    SignResult, UserDetail, UserList,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::console::*;
#[cfg(feature = "ssr")]
use crate::gate::Gate;
#[cfg(feature = "ssr")]
use crate::model::console::{InvitationRequest, NewAccount, UserQuery};

/// A ticked HTML checkbox arrives as `on` (or `true` from scripts); an unticked one not at all.
#[cfg(feature = "ssr")]
fn ticked(value: Option<&str>) -> bool {
    matches!(value.map(str::trim), Some("on" | "true" | "1" | "yes"))
}

/// Search accounts by the start of a username, email or name.
#[server(prefix = "/api", endpoint = "console/users")]
pub async fn search_users(
    q: Option<String>,
    filter: Option<String>,
    page: Option<u32>,
) -> Result<UserList, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewUsers>().await?;
    let query =
        UserQuery { q: q.unwrap_or_default(), filter: filter.unwrap_or_default(), page: page.unwrap_or(1) };
    Ok(gate.backend().console.search_users(&(&staff).into(), &query).await?)
}

/// One account, everything about it.
#[server(prefix = "/api", endpoint = "console/user")]
pub async fn get_user(identifier: String) -> Result<UserDetail, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewUsers>().await?;
    Ok(gate.backend().console.user_detail(&(&staff).into(), &identifier).await?)
}

/// Create an account; browsers go to its page.
#[server(prefix = "/api", endpoint = "console/user_create")]
pub async fn create_user(
    username: String,
    email: String,
    full_name: String,
    is_staff: Option<String>,
    is_superuser: Option<String>,
    send_reset: Option<String>,
) -> Result<String, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<CreateUsers>().await?;
    let account = NewAccount {
        username,
        email,
        full_name,
        is_staff: ticked(is_staff.as_deref()),
        is_superuser: ticked(is_superuser.as_deref()),
        send_reset: ticked(send_reset.as_deref()),
    };
    let username = gate.backend().console.create_account(&(&staff).into(), account).await?;
    leptos_axum::redirect(&format!("/admin/users/{username}"));
    Ok(username)
}

/// Change an account's name and email.
#[server(prefix = "/api", endpoint = "console/user_update")]
pub async fn update_user(username: String, full_name: String, email: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeUsers>().await?;
    Ok(gate.backend().console.update_profile(&(&staff).into(), &username, &full_name, &email).await?)
}

/// Set the staff and superuser flags (unticked boxes clear them).
#[server(prefix = "/api", endpoint = "console/user_flags")]
pub async fn set_user_flags(
    username: String,
    is_staff: Option<String>,
    is_superuser: Option<String>,
) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeUsers>().await?;
    let (is_staff, is_superuser) = (ticked(is_staff.as_deref()), ticked(is_superuser.as_deref()));
    Ok(gate.backend().console.set_flags(&(&staff).into(), &username, is_staff, is_superuser).await?)
}

/// Mail the account a link to choose a password.
#[server(prefix = "/api", endpoint = "console/user_reset")]
pub async fn send_password_reset(username: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeUsers>().await?;
    Ok(gate.backend().console.send_password_reset(&(&staff).into(), &username).await?)
}

/// End every session of an account; returns how many ended.
#[server(prefix = "/api", endpoint = "console/user_end_sessions")]
pub async fn end_user_sessions(username: String) -> Result<u64, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeUsers>().await?;
    Ok(gate.backend().console.end_sessions(&(&staff).into(), &username).await?)
}

/// Take an account's second factor away (lost phone and recovery codes); the owner is mailed.
#[server(prefix = "/api", endpoint = "console/user_second_factor_reset")]
pub async fn reset_user_second_factor(username: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeUsers>().await?;
    Ok(gate.backend().console.reset_second_factor(&(&staff).into(), &username).await?)
}

/// Deactivate an account (the form's confirmation box must be ticked: sessions, tokens and grants
/// end at once).
#[server(prefix = "/api", endpoint = "console/user_deactivate")]
pub async fn deactivate_user(
    username: String,
    reason: Option<String>,
    confirm: Option<String>,
) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeUsers>().await?;
    if !ticked(confirm.as_deref()) {
        return Err(registrar::DomainError::with_message(
            registrar::ErrorCode::InputInvalid,
            "Tick the box to confirm: deactivating ends every session and token and drops every role at once.",
        )
        .on_field("confirm")
        .into());
    }
    Ok(gate
        .backend()
        .console
        .deactivate(&(&staff).into(), &username, reason.as_deref().unwrap_or_default())
        .await?)
}

/// Set an account up again; returns its new state (`invited` until it signs, or `active`).
#[server(prefix = "/api", endpoint = "console/user_reactivate")]
pub async fn reactivate_user(username: String, bypass: Option<String>) -> Result<String, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeUsers>().await?;
    Ok(gate.backend().console.reactivate(&(&staff).into(), &username, ticked(bypass.as_deref())).await?)
}

/// Preview a bulk action (nothing changes), or run it when `run` is ticked.
#[server(prefix = "/api", endpoint = "console/bulk")]
pub async fn bulk_users(
    action: String,
    usernames: Option<Vec<String>>,
    run: Option<String>,
) -> Result<BulkOutcome, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeUsers>().await?;
    let names = usernames.unwrap_or_default();
    Ok(gate
        .backend()
        .console
        .bulk_users(&(&staff).into(), &action, &names, "", ticked(run.as_deref()))
        .await?)
}

/// Every agreement at its current version.
#[server(prefix = "/api", endpoint = "console/agreements")]
pub async fn list_agreements() -> Result<Vec<AgreementView>, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewAgreements>().await?;
    Ok(gate.backend().console.agreements(&(&staff).into()).await?)
}

/// Publish a new agreement (no `id`) or a new version of one.
#[server(prefix = "/api", endpoint = "console/agreement_publish")]
pub async fn publish_agreement(
    id: Option<String>,
    title: String,
    body: String,
    required: Option<String>,
) -> Result<String, ApiError> {
    let gate = Gate::for_request()?;
    let id = id.unwrap_or_default();
    let required = ticked(required.as_deref());
    let console = &gate.backend().console;
    if id.trim().is_empty() {
        let staff = gate.console_for::<AddAgreements>().await?;
        Ok(console.publish_agreement(&(&staff).into(), &title, &body, required).await?)
    } else {
        let staff = gate.console_for::<ChangeAgreements>().await?;
        Ok(console.publish_agreement_version(&(&staff).into(), &id, &title, &body, required).await?)
    }
}

/// What the signed-in (or invited) account must sign, and what it signed.
#[server(prefix = "/api", endpoint = "account/agreements")]
pub async fn get_my_agreements() -> Result<MyAgreements, ApiError> {
    let gate = Gate::for_request()?;
    let signer = gate.signer()?;
    Ok(gate.backend().console.my_agreements(&signer).await?)
}

/// Sign one version of an agreement; an invited account that has signed them all goes home, active.
#[server(prefix = "/api", endpoint = "account/sign_agreement")]
pub async fn sign_agreement(id: String, version: i64) -> Result<SignResult, ApiError> {
    let gate = Gate::for_request()?;
    let signer = gate.signer()?;
    let result = gate.backend().console.sign_agreement(&signer, &id, version, gate.client()).await?;
    if result.activated {
        leptos_axum::redirect("/?activated=1");
    }
    Ok(result)
}

/// Invitations, newest first.
#[server(prefix = "/api", endpoint = "console/invitations")]
pub async fn list_invitations() -> Result<Vec<InvitationLine>, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewInvitations>().await?;
    Ok(gate.backend().console.invitations(&(&staff).into()).await?)
}

/// Invite an email, optionally with a role (`scope`: `global`, an org or a course key) and a last
/// day.
#[server(prefix = "/api", endpoint = "console/invite")]
pub async fn invite(
    email: String,
    role: Option<String>,
    scope: Option<String>,
    expires: Option<String>,
) -> Result<String, ApiError> {
    let gate = Gate::for_request()?;
    let request = InvitationRequest {
        email,
        role: role.unwrap_or_default(),
        scope: scope.unwrap_or_default(),
        expires: expires.unwrap_or_default(),
    };
    if request.role.trim().is_empty() {
        let staff = gate.console_for::<AddInvitations>().await?;
        Ok(gate.backend().console.invite(&(&staff).into(), request).await?)
    } else {
        let staff = gate.console_for::<InviteWithRole>().await?;
        Ok(gate.backend().console.invite_with_role(&(&staff).into(), request).await?)
    }
}

/// Revoke an open invitation.
#[server(prefix = "/api", endpoint = "console/invitation_revoke")]
pub async fn revoke_invitation(id: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<DeleteInvitations>().await?;
    Ok(gate.backend().console.revoke_invitation(&(&staff).into(), &id).await?)
}

/// Role assignments across scopes, searched by holder, role or scope.
#[server(prefix = "/api", endpoint = "console/roles")]
pub async fn list_role_assignments(search: Option<String>) -> Result<Vec<RoleAssignmentLine>, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewRoles>().await?;
    Ok(gate
        .backend()
        .console
        .role_assignments(&(&staff).into(), search.as_deref().unwrap_or_default())
        .await?)
}

/// Give a role at a scope to an account found by email or username.
#[server(prefix = "/api", endpoint = "console/role_grant")]
pub async fn grant_role(
    identifier: String,
    role: String,
    scope: Option<String>,
    expires: Option<String>,
) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<AddRoles>().await?;
    let expires_at = crate::api::end_date(expires)?;
    let scope = scope.unwrap_or_default();
    Ok(gate.backend().console.grant_role(&(&staff).into(), &identifier, &role, &scope, expires_at).await?)
}

/// Take a role at a scope away.
#[server(prefix = "/api", endpoint = "console/role_revoke")]
pub async fn revoke_role(identifier: String, role: String, scope: Option<String>) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<DeleteRoles>().await?;
    let scope = scope.unwrap_or_default();
    Ok(gate.backend().console.revoke_role(&(&staff).into(), &identifier, &role, &scope).await?)
}

/// Set the console permissions a group gives (superusers only); `permissions[i]` checkboxes.
#[server(prefix = "/api", endpoint = "console/group_permissions")]
pub async fn set_group_permissions(id: String, permissions: Option<Vec<String>>) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeGroups>().await?;
    let codenames = permissions.unwrap_or_default();
    Ok(gate.backend().console.set_group_permissions(&(&staff).into(), &id, &codenames).await?)
}

/// Search the audit log, newest first, 50 at a time (`before` continues).
#[server(prefix = "/api", endpoint = "console/audit")]
pub async fn search_audit(
    actor: Option<String>,
    target: Option<String>,
    action: Option<String>,
    scope: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
) -> Result<AuditPage, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewAudit>().await?;
    let query = crate::model::console::AuditQuery {
        actor: actor.unwrap_or_default(),
        target: target.unwrap_or_default(),
        action: action.unwrap_or_default(),
        scope: scope.unwrap_or_default(),
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
        before,
    };
    Ok(gate.backend().console.audit(&(&staff).into(), &query, 50).await?)
}

/// Background jobs, newest first.
#[server(prefix = "/api", endpoint = "console/jobs")]
pub async fn list_jobs(state: Option<String>) -> Result<Vec<JobLine>, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewJobs>().await?;
    Ok(gate.backend().console.jobs(&(&staff).into(), state.as_deref().unwrap_or_default()).await?)
}

/// Queue a failed job again.
#[server(prefix = "/api", endpoint = "console/job_retry")]
pub async fn retry_job(id: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeJobs>().await?;
    Ok(gate.backend().console.retry_job(&(&staff).into(), &id).await?)
}

/// Send a failed message again now.
#[server(prefix = "/api", endpoint = "console/mail_retry")]
pub async fn retry_mail(id: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeOutbox>().await?;
    Ok(gate.backend().console.retry_mail(&(&staff).into(), &id).await?)
}

/// Whose password a reset link chooses (the link is checked; nothing changes).
#[server(prefix = "/api", endpoint = "account/reset-link")]
pub async fn reset_link_info(token: String) -> Result<String, ApiError> {
    let gate = Gate::for_request()?;
    Ok(gate.backend().console.reset_link_info(&gate.public(), &token).await?)
}

/// Choose a new password with a mailed link; every session ends, then sign in with it.
#[server(prefix = "/api", endpoint = "account/reset-password")]
pub async fn reset_password(
    token: String,
    password: String,
    password_confirm: String,
) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    gate.backend().console.reset_password(&gate.public(), &token, &password, &password_confirm).await?;
    leptos_axum::redirect("/login?password_set=1");
    Ok(())
}
