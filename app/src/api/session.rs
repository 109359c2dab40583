//! Sign-in, registration, sign-out and "who am I".

use crate::error::ApiError;
use crate::model::CurrentUser;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::Gate;

/// Where to go after signing in: only paths on this site, never another origin, and only characters
/// a `Location` header can carry.
#[must_use]
pub fn safe_next(next: Option<&str>) -> String {
    match next.map(str::trim) {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(feature = "ssr")]
pub(crate) fn set_cookie(value: &str) {
    if let (Some(options), Ok(value)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(value))
    {
        options.append_header(http::header::SET_COOKIE, value);
    }
}

/// Sign in with a username or email and a password, then go to `next`.
#[server(prefix = "/api", endpoint = "session/login")]
pub async fn login(identifier: String, password: String, next: Option<String>) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let session =
        gate.backend().accounts.sign_in(&gate.public(), &identifier, &password, gate.client()).await?;
    if let Some(pending) = &session.second_factor {
        leptos_axum::redirect(&crate::api::second_factor::code_page(pending, next.as_deref()));
        return Ok(());
    }
    set_cookie(&gate.backend().accounts.session_cookie(Some(&session.token)));
    if session.awaiting {
        leptos_axum::redirect("/account/agreements");
    } else {
        leptos_axum::redirect(&safe_next(next.as_deref()));
    }
    Ok(())
}

/// Create an account and sign in.
#[server(prefix = "/api", endpoint = "session/register")]
pub async fn register(
    username: String,
    email: String,
    full_name: String,
    password: String,
    password_confirm: String,
    /// The token of an invitation's registration link, when the form was opened from one.
    invitation: Option<String>,
) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let form =
        registrar::account::RegistrationForm { username, email, full_name, password, password_confirm };
    let valid = form.validate()?;
    let invitation = invitation.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let session = gate
        .backend()
        .accounts
        .register(&gate.public(), valid, &form.password, invitation, gate.client())
        .await?;
    set_cookie(&gate.backend().accounts.session_cookie(Some(&session.token)));
    leptos_axum::redirect(if session.awaiting { "/account/agreements" } else { "/account" });
    Ok(())
}

/// End this session.
#[server(prefix = "/api", endpoint = "session/logout")]
pub async fn logout() -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    match gate.me() {
        Ok(me) => gate.backend().accounts.sign_out(&me).await?,
        // An invited account that signed in to sign its agreements signs out too.
        Err(_) => gate.backend().console.end_signer_session(&gate.signer()?).await?,
    }
    set_cookie(&gate.backend().accounts.session_cookie(None));
    leptos_axum::redirect("/login?signed_out=1");
    Ok(())
}

/// The signed-in user, or `None` for anonymous visitors.
#[server(prefix = "/api", endpoint = "session/me")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, ApiError> {
    let gate = Gate::for_request()?;
    if gate.principal().is_none() {
        // An invited account signed in to sign its agreements: only who it is, nothing it may use.
        return Ok(gate.signer().ok().map(|signer| CurrentUser {
            username: signer.username().to_owned(),
            full_name: signer.username().to_owned(),
            email: String::new(),
            is_staff: false,
            is_superuser: false,
            dashboards: Vec::new(),
            console: Vec::new(),
            agreements_due: true,
            awaiting: true,
        }));
    }
    let me = gate.me()?;
    Ok(Some(gate.backend().accounts.current_user(&me).await?))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/account")), "/account");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        // Anything that cannot be a Location header value is refused rather than reaching it.
        assert_eq!(safe_next(Some("/a\nSet-Cookie: x=1")), "/");
        assert_eq!(safe_next(Some("/caf\u{e9}")), "/");
    }
}
