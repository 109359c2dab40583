//! One table from error kind to HTTP status, applied to every `/api` error response.
//!
//! Server functions answer failures with a JSON `ApiError` and status 500; this middleware reads the
//! error's kind and sets the status users and clients expect (401, 403, 404, 409, 422, 429, 500).

use app::error::ApiError;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;
use registrar::ErrorKind;

/// The HTTP status of an error kind.
#[must_use]
pub const fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Throttled => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Largest error body we read back to classify.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The middleware.
pub async fn api_error_status(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_api || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<ApiError>(&bytes) {
        parts.status = status_of(error.kind());
    }
    Response::from_parts(parts, Body::from(bytes))
}
