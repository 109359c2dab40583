//! CSRF defence: state-changing requests must come from our own origin.
//!
//! Browsers send `Sec-Fetch-Site` and `Origin` on POSTs; we refuse those that say another site. A
//! request that carries the session cookie must also *prove* it is ours: one with neither header is
//! refused (an old browser, a plugin or a proxy that strips them could otherwise carry the cookie
//! for another site). Requests without the session cookie (sign-in, curl, service clients with
//! bearer tokens, which browsers never add on their own) carry no ambient credentials to abuse and
//! pass. Session cookies are also `SameSite=Lax`. This module must not resolve who is asking.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::{header, Method, StatusCode};

/// Which origins count as ours.
#[derive(Debug, Clone)]
pub struct OriginPolicy {
    /// The public URL's origin (`https://registrar.example.org`), if configured; otherwise the
    /// request's own `Host` is the reference.
    pub public_origin: Option<String>,
    /// The session cookie's name: requests that carry it must prove their origin.
    pub session_cookie: &'static str,
}

impl Default for OriginPolicy {
    fn default() -> Self {
        Self { public_origin: None, session_cookie: crate::services::accounts::SESSION_COOKIE }
    }
}

fn host_of_origin(origin: &str) -> Option<&str> {
    let rest = origin.split_once("://")?.1;
    Some(rest.split('/').next().unwrap_or(rest))
}

/// Whether the request may change state, given its method and headers.
#[must_use]
pub fn allowed(policy: &OriginPolicy, method: &Method, headers: &http::HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if site.is_some_and(|site| !matches!(site, "same-origin" | "none")) {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Neither header: only requests that carry no session cookie (or a bearer token, which
        // is what authenticates them) pass.
        let cookie_borne = super::principal::bearer(headers).is_none()
            && !super::principal::cookie_values(headers, policy.session_cookie).is_empty();
        return site.is_some() || !cookie_borne;
    };
    if origin == "null" {
        return false;
    }
    match &policy.public_origin {
        Some(ours) => origin.eq_ignore_ascii_case(ours.trim_end_matches('/')),
        None => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            matches!((host_of_origin(origin), host), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
        }
    }
}

/// The middleware.
pub async fn check(State(policy): State<OriginPolicy>, request: Request, next: Next) -> Response {
    if allowed(&policy, request.method(), request.headers()) {
        next.run(request).await
    } else {
        let error = app::error::ApiError::from(registrar::ErrorCode::AuthBadOrigin);
        (StatusCode::FORBIDDEN, Json(error)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, http::HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_rules() {
        let p = OriginPolicy::default();
        let post = Method::POST;
        assert!(allowed(&p, &Method::GET, &headers(&[("origin", "https://evil.example")])));
        assert!(allowed(&p, &post, &headers(&[("host", "localhost:3000")])));
        assert!(allowed(
            &p,
            &post,
            &headers(&[("host", "localhost:3000"), ("origin", "http://localhost:3000")])
        ));
        assert!(!allowed(
            &p,
            &post,
            &headers(&[("host", "localhost:3000"), ("origin", "https://evil.example")])
        ));
        assert!(!allowed(
            &p,
            &post,
            &headers(&[("host", "localhost:3000"), ("sec-fetch-site", "cross-site")])
        ));
        assert!(!allowed(&p, &post, &headers(&[("host", "localhost:3000"), ("origin", "null")])));
        // The session cookie without either header is refused; with a bearer token it is not what
        // authenticates, and with Sec-Fetch-Site the browser said where it came from.
        let cookie = ("cookie", "theme=dark; registrar_session=abc");
        assert!(!allowed(&p, &post, &headers(&[("host", "localhost:3000"), cookie])));
        assert!(allowed(&p, &post, &headers(&[cookie, ("authorization", "Bearer xyz")])));
        assert!(allowed(&p, &post, &headers(&[cookie, ("sec-fetch-site", "same-origin")])));
        assert!(allowed(&p, &post, &headers(&[("cookie", "theme=dark")])));
        let public = OriginPolicy {
            public_origin: Some("https://reg.example.org/".into()),
            ..OriginPolicy::default()
        };
        assert!(allowed(&public, &post, &headers(&[("origin", "https://reg.example.org")])));
        assert!(!allowed(&public, &post, &headers(&[("origin", "http://reg.example.org")])));
    }
}
