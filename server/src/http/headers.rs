//! Security headers on every response, as `tower-http` layers: `nosniff`, `X-Frame-Options: DENY`,
//! `Referrer-Policy: same-origin`, HSTS over https, and a strict default Content-Security-Policy
//! for everything that is not a page (JSON, CSV, images: `default-src 'none'`, sandboxed). Pages
//! set their own policy with the request's nonce (`app::page_policy`); a layer only fills in what a
//! response did not set. Responses to signed-in requests are `Cache-Control: no-store` unless they
//! say otherwise, so a shared computer's back button or a proxy never shows them to the next person.
//! This module must not decide who may see what.

use super::principal::{bearer, cookie_values};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use http::{header, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy for responses that are not pages: load nothing, run nothing, frame nowhere.
pub const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; sandbox";

/// Two years, without subdomains (sibling services keep their own choice).
const HSTS: &str = "max-age=63072000";

/// Add the security headers to every response of `router`.
pub fn secure<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let fill = |name, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let router = router
        .layer(fill(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(fill(header::X_FRAME_OPTIONS, "DENY"))
        .layer(fill(header::REFERRER_POLICY, "same-origin"))
        .layer(fill(header::CONTENT_SECURITY_POLICY, NON_PAGE_POLICY));
    if https {
        router.layer(fill(header::STRICT_TRANSPORT_SECURITY, HSTS))
    } else {
        router
    }
}

/// `Cache-Control: no-store` on responses to requests that carry a credential, unless set.
pub async fn no_store_when_signed_in(
    State(session_cookie): State<&'static str>,
    request: Request,
    next: Next,
) -> Response {
    let signed_in =
        bearer(request.headers()).is_some() || !cookie_values(request.headers(), session_cookie).is_empty();
    let mut response = next.run(request).await;
    // What is made for them (pages, JSON, CSV); static files are the same for everyone and stay
    // cacheable.
    let made_for_them =
        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| {
            ["text/html", "application/json", "text/csv"].iter().any(|kind| t.starts_with(kind))
        });
    if signed_in && made_for_them && !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn cache_control(path: &str, cookie: Option<&str>) -> Option<String> {
        let router = Router::new()
            .route(
                "/page",
                get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], "<p>hi</p>") }),
            )
            .route("/style.css", get(|| async { ([(header::CONTENT_TYPE, "text/css")], "p{}") }))
            .layer(axum::middleware::from_fn_with_state("registrar_session", no_store_when_signed_in));
        let mut request = http::Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = router.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        response.headers().get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap().to_owned())
    }

    #[tokio::test]
    async fn signed_in_pages_are_not_stored_and_static_files_still_are() {
        let cookie = Some("registrar_session=abc");
        assert_eq!(cache_control("/page", cookie).await.as_deref(), Some("no-store"));
        assert_eq!(cache_control("/page", None).await, None);
        assert_eq!(cache_control("/style.css", cookie).await, None, "the stylesheet stays cacheable");
    }
}
