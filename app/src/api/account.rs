//! The signed-in user's own account.

use crate::error::ApiError;
use crate::model::AccountView;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::Gate;

/// The account page's data.
#[server(prefix = "/api", endpoint = "account/get")]
pub async fn get_account() -> Result<AccountView, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    Ok(gate.backend().accounts.account(&me).await?)
}

/// Confirm an address through the link mailed to it (public: the signed token is the credential).
/// Browsers without JavaScript go on to My account, or to sign-in.
#[server(prefix = "/api", endpoint = "account/confirm-address")]
pub async fn confirm_address(token: String) -> Result<String, ApiError> {
    let gate = Gate::for_request()?;
    let username = gate.backend().accounts.confirm_address(&gate.public(), &token).await?;
    let next = if gate.principal().is_some() { "/account?confirmed=1" } else { "/login?address_confirmed=1" };
    leptos_axum::redirect(next);
    Ok(username)
}

/// Mail the signed-in account a new confirmation link; returns the address.
#[server(prefix = "/api", endpoint = "account/resend-confirmation")]
pub async fn resend_confirmation() -> Result<String, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    Ok(gate.backend().accounts.resend_confirmation(&me).await?)
}

/// Sign in through the unlock link mailed to the owner of an account that was guessed at from
/// several places (public: the signed token and the password are the credentials).
#[server(prefix = "/api", endpoint = "account/unlock")]
pub async fn unlock_account(token: String, password: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let session = gate.backend().accounts.unlock(&gate.public(), &token, &password, gate.client()).await?;
    if let Some(pending) = &session.second_factor {
        leptos_axum::redirect(&crate::api::second_factor::code_page(pending, None));
        return Ok(());
    }
    crate::api::session::set_cookie(&gate.backend().accounts.session_cookie(Some(&session.token)));
    leptos_axum::redirect(if session.awaiting { "/account/agreements" } else { "/" });
    Ok(())
}
