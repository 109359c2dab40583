//! Resolve the principal once per request, and refuse anonymous `/api` calls by default.
//!
//! A session cookie or a bearer token becomes a `RequestPrincipal` (with the user's grants) and a
//! `ClientMeta` in the request's extensions, where the Gate finds them. Anonymous requests to `/api/*`
//! get 401 unless the path is in `app::api::PUBLIC_ENDPOINTS`.

use super::AppState;
use crate::auth::secret;
use crate::services::internal;
use crate::store::{sessions, tokens, DbError};
use app::error::ApiError;
use app::ports::{AwaitingAccount, ClientMeta, RequestPrincipal};
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::{header, HeaderMap, StatusCode};
use registrar::activation::AccountState;
use registrar::ids::UserId;
use registrar::token_scope::TokenScope;
use registrar::ErrorCode;
use std::net::SocketAddr;

/// The credential a request carries.
enum Credential {
    Session(String),
    Bearer(String),
    None,
}

/// The bearer token of an `Authorization` header, if any. Open edX's retirement driver sends
/// `JWT <token>`; our tokens are opaque either way.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())?;
    let token = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("JWT "));
    token.map(str::trim).filter(|t| !t.is_empty())
}

/// Every non-empty value of the cookie `name` the request carries.
pub(crate) fn cookie_values<'h>(headers: &'h HeaderMap, name: &str) -> Vec<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(n, value)| *n == name && !value.is_empty())
        .map(|(_, value)| value)
        .collect()
}

/// A bearer token first; otherwise the session cookie, when there is exactly one. Two session
/// cookies mean someone planted one beside ours (a sibling subdomain can over plain http): neither
/// is trusted, so a planted session never signs anyone in to the planter's account.
fn credential(headers: &HeaderMap, cookie_name: &str) -> Credential {
    if let Some(token) = bearer(headers) {
        return Credential::Bearer(token.to_owned());
    }
    match cookie_values(headers, cookie_name).as_slice() {
        [secret] => Credential::Session((*secret).to_owned()),
        _ => Credential::None,
    }
}

fn client_meta(state: &AppState, request: &Request) -> ClientMeta {
    let headers = request.headers();
    let forwarded = state
        .trust_proxy
        .then(|| headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()))
        .flatten()
        // The rightmost entry is the one our own proxy added; anything left of it the client wrote.
        .and_then(|v| v.rsplit(',').next())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    ClientMeta {
        ip: forwarded.or(peer).unwrap_or_else(|| "unknown".to_owned()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    }
}

async fn lookup(state: &AppState, credential: Credential) -> Result<RequestPrincipal, DbError> {
    let (user, session_id, scopes) = match credential {
        Credential::Session(secret) => {
            let id = secret::digest(&secret);
            (sessions::resolve(&state.db, &id).await?, Some(id), None)
        }
        Credential::Bearer(token) => match tokens::resolve(&state.db, &secret::digest(&token)).await? {
            // Stored scopes that no longer parse allow nothing, rather than everything.
            Some(found) => {
                let scopes = found.scopes.map(|s| TokenScope::parse_list(&s).unwrap_or_default());
                (Some(found.user), None, scopes)
            }
            None => (None, None, None),
        },
        Credential::None => (None, None, None),
    };
    // An invited account signs in to sign its agreements: no principal, only those endpoints.
    let awaiting = user
        .as_ref()
        .filter(|u| !u.is_active.0 && u.state == AccountState::Invited.as_str() && session_id.is_some())
        .map(|u| AwaitingAccount { user_id: UserId(u.id.clone()), username: u.username.clone() });
    let principal = match user.filter(|u| u.is_active.0) {
        Some(user) => Some(crate::store::users::principal(&state.db, user).await?),
        None => None,
    };
    // Asked only of staff, and only where the site requires it.
    let mut principal = principal;
    let second_factor_missing = match &principal {
        Some(p) if state.second_factor_for_staff && (p.is_staff || p.is_superuser) => {
            let has = crate::store::second_factors::of(&state.db, &p.user_id.0)
                .await?
                .is_some_and(|f| f.confirmed_at.is_some());
            registrar::second_factor::console_needs_factor(true, p.is_staff, p.is_superuser, has)
        }
        _ => false,
    };
    // Staff powers wait for the factor everywhere (every course, the service APIs), not only in
    // the console: until it sets one up, the account acts as the learner it also is.
    if second_factor_missing {
        if let Some(p) = principal.as_mut() {
            p.is_staff = false;
            p.is_superuser = false;
        }
    }
    let session_id = session_id.filter(|_| principal.is_some() || awaiting.is_some());
    Ok(RequestPrincipal { principal, session_id, awaiting, scopes, second_factor_missing })
}

/// Whether anonymous callers may reach this path.
#[must_use]
pub fn is_public(path: &str) -> bool {
    !path.starts_with("/api/") || app::api::PUBLIC_ENDPOINTS.contains(&path)
}

/// The middleware.
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let meta = client_meta(&state, &request);
    let resolved = match lookup(&state, credential(request.headers(), state.session_cookie)).await {
        Ok(resolved) => resolved,
        Err(e) => {
            let error = ApiError::from(internal(e));
            return (StatusCode::INTERNAL_SERVER_ERROR, Json(error)).into_response();
        }
    };
    let path = request.uri().path();
    let awaiting_may = resolved.awaiting.is_some() && app::api::AWAITING_ENDPOINTS.contains(&path);
    if resolved.principal.is_none() && !is_public(path) && !awaiting_may {
        let error = ApiError::from(ErrorCode::AuthRequired);
        return (StatusCode::UNAUTHORIZED, Json(error)).into_response();
    }
    request.extensions_mut().insert(resolved);
    request.extensions_mut().insert(meta);
    next.run(request).await
}
