//! Server functions: the JSON/form API that pages and clients call, one area per module.
//!
//! Every function body does the same three things: take the Gate for the request, ask it for a
//! capability, call the use case with it. `/api/*` is deny-by-default in the server's middleware;
//! only the paths in [`PUBLIC_ENDPOINTS`] answer anonymous callers.

pub mod account;
pub mod admin;
pub mod console;
pub mod courses;
pub mod libraries;
pub mod membership;
pub mod own_account;
pub mod records;
pub mod retirement;
pub mod second_factor;
pub mod session;
pub mod team;

/// The only `/api` paths that anonymous callers may reach.
pub const PUBLIC_ENDPOINTS: &[&str] = &[
    "/api/session/login",
    "/api/session/register",
    "/api/session/me",
    "/api/account/deletion-link",
    "/api/account/cancel-deletion",
    "/api/account/confirm-link",
    "/api/account/confirm-deletion",
    "/api/records/shared",
    "/api/account/reset-link",
    "/api/account/reset-password",
    "/api/account/confirm-address",
    "/api/account/forgot-password",
    "/api/session/second-factor",
    "/api/account/unlock",
];

/// The `/api` paths an invited account that is not active yet may reach: reading and signing its
/// agreements, and signing out.
pub const AWAITING_ENDPOINTS: &[&str] =
    &["/api/account/agreements", "/api/account/sign_agreement", "/api/session/logout"];

/// An optional last day (`YYYY-MM-DD`) as the moment access ends: the midnight after it.
#[cfg(feature = "ssr")]
pub(crate) fn end_date(expires: Option<String>) -> Result<Option<i64>, crate::error::ApiError> {
    Ok(registrar::roles::parse_end_date(expires.as_deref().unwrap_or_default(), crate::gate::now_ms())?)
}
