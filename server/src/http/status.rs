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

/// The answer a REST handler gives when it fails: the error as JSON with its kind's status.
pub fn failure(error: impl Into<ApiError>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let error = error.into();
    (status_of(error.kind()), axum::Json(error)).into_response()
}

/// Bad input to a REST handler, with its message.
pub fn invalid(message: impl Into<String>) -> ApiError {
    registrar::DomainError::with_message(registrar::ErrorCode::InputInvalid, message).into()
}

/// A query string's pairs, keeping repeated keys (`states=A&states=B`).
#[must_use]
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect()
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
