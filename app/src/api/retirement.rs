//! Account deletion's server functions: the learner's "Delete my account" and cancel link, and the
//! admin console's retirement pages. (The service API for external drivers is REST, in the server.)

use crate::error::ApiError;
use crate::model::{
    CancelDeletionPage, DeletionInfo, OutboxMail, RetirementDashboard, RetirementDetail, RetirementSummary,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::console::*;
#[cfg(feature = "ssr")]
use crate::gate::Gate;

#[cfg(feature = "ssr")]
fn clear_session_cookie(gate: &Gate) {
    let value = gate.backend().accounts.session_cookie(None);
    if let (Some(options), Ok(value)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&value))
    {
        options.append_header(http::header::SET_COOKIE, value);
    }
}

/// What the "Delete my account" section needs.
#[server(prefix = "/api", endpoint = "account/deletion")]
pub async fn get_deletion_info() -> Result<DeletionInfo, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    Ok(gate.backend().retirement.deletion_info(&me).await?)
}

/// Confirm with the password: queued for deletion, signed out everywhere, a cancel link mailed.
#[server(prefix = "/api", endpoint = "account/delete")]
pub async fn delete_account(password: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    let queued = gate.backend().retirement.request_deletion(&me, &password, gate.client()).await?;
    clear_session_cookie(&gate);
    leptos_axum::redirect(&format!(
        "/account/deletion-requested?due={}",
        crate::model::format_date(queued.due_at)
    ));
    Ok(())
}

/// For an account without a password: mail a link that confirms the deletion.
#[server(prefix = "/api", endpoint = "account/deletion-mail")]
pub async fn mail_deletion_link() -> Result<String, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    Ok(gate.backend().retirement.request_deletion_link(&me).await?)
}

/// What a mailed confirmation link would delete (public: the signed token is the credential).
#[server(prefix = "/api", endpoint = "account/confirm-link")]
pub async fn get_confirm_link(token: String) -> Result<DeletionInfo, ApiError> {
    let gate = Gate::for_request()?;
    Ok(gate.backend().retirement.confirm_link_info(&gate.public(), &token).await?)
}

/// Confirm the deletion through the mailed link: queued, signed out, due date shown.
#[server(prefix = "/api", endpoint = "account/confirm-deletion")]
pub async fn confirm_deletion(token: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let queued = gate.backend().retirement.confirm_deletion_by_link(&gate.public(), &token).await?;
    clear_session_cookie(&gate);
    leptos_axum::redirect(&format!(
        "/account/deletion-requested?due={}",
        crate::model::format_date(queued.due_at)
    ));
    Ok(())
}

/// What a mailed cancel link is about (public: the signed token is the credential).
#[server(prefix = "/api", endpoint = "account/deletion-link")]
pub async fn get_cancel_link(token: String) -> Result<CancelDeletionPage, ApiError> {
    let gate = Gate::for_request()?;
    Ok(gate.backend().retirement.cancel_link_info(&gate.public(), &token).await?)
}

/// Cancel the deletion through the mailed link; the account can sign in again.
#[server(prefix = "/api", endpoint = "account/cancel-deletion")]
pub async fn cancel_deletion(token: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    gate.backend().retirement.cancel_by_link(&gate.public(), &token).await?;
    leptos_axum::redirect("/login?deletion_cancelled=1");
    Ok(())
}

/// The console's retirement dashboard.
#[server(prefix = "/api", endpoint = "console/retirement_dashboard")]
pub async fn get_retirement_dashboard() -> Result<RetirementDashboard, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewRetirements>().await?;
    Ok(gate.backend().retirement.retirement_dashboard(&staff).await?)
}

/// Retirements by original or retired username or email, optionally in one state.
#[server(prefix = "/api", endpoint = "console/retirements")]
pub async fn list_retirements(
    search: String,
    state: Option<String>,
) -> Result<Vec<RetirementSummary>, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewRetirements>().await?;
    Ok(gate.backend().retirement.retirements(&staff, &search, state).await?)
}

/// One retirement with its history.
#[server(prefix = "/api", endpoint = "console/retirement")]
pub async fn get_retirement(id: String) -> Result<RetirementDetail, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewRetirements>().await?;
    Ok(gate.backend().retirement.retirement_detail(&staff, &id).await?)
}

/// Resume a failed or stuck retirement from a resting state, with a reason.
#[server(prefix = "/api", endpoint = "console/retirement_resume")]
pub async fn resume_retirement(id: String, to: String, reason: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeRetirements>().await?;
    Ok(gate.backend().retirement.retirement_resume(&staff, &id, &to, &reason).await?)
}

/// Stop a retirement for good, with a reason.
#[server(prefix = "/api", endpoint = "console/retirement_abort")]
pub async fn abort_retirement(id: String, reason: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeRetirements>().await?;
    Ok(gate.backend().retirement.retirement_abort(&staff, &id, &reason).await?)
}

/// Cancel a retirement in its cool-off, with a reason.
#[server(prefix = "/api", endpoint = "console/retirement_cancel")]
pub async fn cancel_retirement(id: String, reason: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ChangeRetirements>().await?;
    Ok(gate.backend().retirement.retirement_cancel(&staff, &id, &reason).await?)
}

/// Queue an account for deletion on the learner's behalf (they get the mail with the cancel link).
#[server(prefix = "/api", endpoint = "console/retirement_request")]
pub async fn request_retirement(identifier: String, reason: String) -> Result<RetirementSummary, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<AddRetirements>().await?;
    Ok(gate.backend().retirement.retirement_request_for(&staff, &identifier, &reason).await?)
}

/// The console's outbox: the newest 100 messages, optionally only those to one address.
#[server(prefix = "/api", endpoint = "console/outbox")]
pub async fn list_outbox(to: String) -> Result<Vec<OutboxMail>, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.console_for::<ViewOutbox>().await?;
    Ok(gate.backend().retirement.outbox(&staff, &to).await?)
}
