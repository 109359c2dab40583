//! The Gate for a REST handler, as an axum extractor: the principal and client facts the middleware
//! resolved for this request, over the application's ports.
//!
//! This is the only place outside the app crate that builds a Gate from a principal
//! (`Gate::unchecked`); handlers take a [`RequestGate`] and ask it for capabilities. It must not
//! decide anything: the Gate does.

use super::AppState;
use app::gate::Gate;
use app::ports::{ClientMeta, RequestPrincipal};
use axum::extract::FromRequestParts;
use http::request::Parts;
use std::convert::Infallible;
use std::ops::Deref;

/// The Gate of the request a REST handler serves.
pub struct RequestGate(Gate);

impl Deref for RequestGate {
    type Target = Gate;

    fn deref(&self) -> &Gate {
        &self.0
    }
}

impl FromRequestParts<AppState> for RequestGate {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        // The principal middleware runs before every route and sets both; a request without them
        // is anonymous, which the Gate refuses wherever a capability is needed.
        let principal = parts.extensions.get::<RequestPrincipal>().cloned().unwrap_or_default();
        let client = parts.extensions.get::<ClientMeta>().cloned().unwrap_or_default();
        Ok(Self(Gate::unchecked(state.backend.clone(), principal, client)))
    }
}
