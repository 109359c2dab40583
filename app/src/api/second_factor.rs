//! The second factor: setting up an authenticator app, turning it off, and the code step of
//! signing in.

use crate::error::ApiError;
use crate::model::FactorSetup;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::Gate;

/// Start setting up an authenticator app (a new secret and recovery codes each time, until one is
/// confirmed).
#[server(prefix = "/api", endpoint = "account/second-factor/start")]
pub async fn start_second_factor() -> Result<FactorSetup, ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    Ok(gate.backend().accounts.start_second_factor(&me).await?)
}

/// Confirm the app with a code it shows and the password: signing in asks for a code from now on.
#[server(prefix = "/api", endpoint = "account/second-factor/confirm")]
pub async fn confirm_second_factor(code: String, password: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    gate.backend().accounts.confirm_second_factor(&me, &code, &password, gate.client()).await?;
    leptos_axum::redirect("/account?changed=two-step-on");
    Ok(())
}

/// Turn the second factor off, giving the password.
#[server(prefix = "/api", endpoint = "account/second-factor/remove")]
pub async fn remove_second_factor(password: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let me = gate.me()?;
    gate.backend().accounts.remove_second_factor(&me, &password, gate.client()).await?;
    leptos_axum::redirect("/account?changed=two-step-off");
    Ok(())
}

/// The second step of signing in (public: the pending token from the password step and a code).
#[server(prefix = "/api", endpoint = "session/second-factor")]
pub async fn finish_sign_in(pending: String, code: String, next: Option<String>) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let session =
        gate.backend().accounts.finish_sign_in(&gate.public(), &pending, &code, gate.client()).await?;
    crate::api::session::set_cookie(&gate.backend().accounts.session_cookie(Some(&session.token)));
    if session.awaiting {
        leptos_axum::redirect("/account/agreements");
    } else {
        leptos_axum::redirect(&crate::api::session::safe_next(next.as_deref()));
    }
    Ok(())
}

/// Where the password step sends an account with a second factor: the code page, carrying the
/// pending token and where to go after.
#[cfg(feature = "ssr")]
pub(crate) fn code_page(pending: &str, next: Option<&str>) -> String {
    let next = crate::api::session::safe_next(next);
    format!(
        "/login/code?pending={}&next={}",
        crate::components::error_view::urlencode(pending),
        crate::components::error_view::urlencode(&next)
    )
}
