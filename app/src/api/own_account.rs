//! What people do with their own account: "Forgot password?", change the password, name and
//! address, end their other sessions. Each success without JavaScript lands on a page that says
//! what happened.

use crate::error::ApiError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::Gate;

/// "Forgot password?" (public): a password link goes to the account the username or address names,
/// if there is an active one; the answer is the same either way.
#[server(prefix = "/api", endpoint = "account/forgot-password")]
pub async fn forgot_password(identifier: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    gate.backend().accounts.forgot_password(&gate.public(), &identifier, gate.client()).await?;
    leptos_axum::redirect("/account/forgot-password?sent=1");
    Ok(())
}

/// Change the password, giving the current one; every other session and token ends. Returns how
/// many sessions ended.
#[server(prefix = "/api", endpoint = "account/change-password")]
pub async fn change_password(
    current_password: String,
    password: String,
    password_confirm: String,
) -> Result<u64, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    let ended = gate
        .backend()
        .accounts
        .change_password(&me, &current_password, &password, &password_confirm, gate.client())
        .await?;
    leptos_axum::redirect("/account?changed=password");
    Ok(ended)
}

/// Change the full name.
#[server(prefix = "/api", endpoint = "account/change-name")]
pub async fn change_name(full_name: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    gate.backend().accounts.change_name(&me, &full_name).await?;
    leptos_axum::redirect("/account?changed=name");
    Ok(())
}

/// Ask to use another address, giving the password: a link goes to it. Returns the address.
#[server(prefix = "/api", endpoint = "account/change-email")]
pub async fn change_email(email: String, password: String) -> Result<String, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    let to = gate.backend().accounts.request_email_change(&me, &email, &password, gate.client()).await?;
    leptos_axum::redirect("/account?changed=email-link");
    Ok(to)
}

/// Follow the link mailed to a new address, signed in as the account that asked for it.
#[server(prefix = "/api", endpoint = "account/confirm-email-change")]
pub async fn confirm_email_change(token: String, email: String) -> Result<String, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    let username = gate.backend().accounts.confirm_email_change(&me, &token, &email).await?;
    leptos_axum::redirect("/account?changed=email");
    Ok(username)
}

/// End one other session (`session`: its handle on My account), or every other one (none given).
/// Returns how many ended.
#[server(prefix = "/api", endpoint = "account/end-sessions")]
pub async fn end_my_sessions(session: Option<String>) -> Result<u64, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    let handle = session.as_deref().map(str::trim).filter(|h| !h.is_empty());
    let ended = gate.backend().accounts.end_my_sessions(&me, handle).await?;
    leptos_axum::redirect("/account?changed=sessions");
    Ok(ended)
}
