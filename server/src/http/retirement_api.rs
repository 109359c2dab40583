//! REST endpoints of account deletion: Open edX's retirement service API (same paths, methods,
//! bodies and response shapes, so its retirement driver scripts can drive Registrar), the OAuth2
//! token endpoint they authenticate with, the learner's `deactivate_logout/`, and "download my data".
//!
//! Every handler goes through the Gate: the service endpoints ask for `RetirementWorker`, the
//! learner's for `Me`, the token endpoint for `Public` (the client secret is the credential).

use super::gate::RequestGate;
use super::status::{failure, invalid, query_pairs as pairs};
use app::error::ApiError;
use app::ports::QueueQuery;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::{header, HeaderMap, StatusCode};
use registrar::ErrorCode;
use serde::Deserialize;

fn one(pairs: &[(String, String)], key: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// A JSON (or form) body as `T`, with a clear message when it is not.
fn body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, bytes: &Bytes) -> Result<T, ApiError> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if form {
        serde_urlencoded_like(bytes)
    } else {
        serde_json::from_slice(bytes)
            .map_err(|e| invalid(format!("The body is not the JSON this endpoint takes: {e}")))
    }
}

fn serde_urlencoded_like<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let map: serde_json::Map<String, serde_json::Value> =
        form_urlencoded::parse(bytes).into_owned().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
    serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|e| invalid(format!("The form is missing a field: {e}")))
}

/// `GET /api/user/v1/accounts/retirement_queue/?cool_off_days=N&states=A&states=B[&limit=L]`
pub async fn queue(gate: RequestGate, RawQuery(query): RawQuery) -> Response {
    let result: Result<Response, ApiError> = async {
        let worker = gate.retirement_worker()?;
        let pairs = pairs(query.as_deref());
        let cool_off_days = one(&pairs, "cool_off_days")
            .ok_or_else(|| invalid("Missing required parameter: cool_off_days"))?
            .parse::<i64>()
            .map_err(|_| invalid("Invalid cool_off_days, should be a whole number of days (0 or more)."))?;
        let states: Vec<String> =
            pairs.iter().filter(|(k, _)| k == "states").map(|(_, v)| v.clone()).collect();
        let limit = match one(&pairs, "limit") {
            Some(l) => {
                Some(l.parse::<i64>().map_err(|_| invalid(format!("Limit could not be parsed: {l}")))?)
            }
            None => None,
        };
        let rows = gate
            .backend()
            .retirement
            .service_queue(&worker, QueueQuery { cool_off_days, states, limit })
            .await?;
        Ok(Json(rows).into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

/// `GET /api/user/v1/accounts/retirements_by_status_and_date/?start_date=&end_date=&state=`
pub async fn by_status_and_date(gate: RequestGate, RawQuery(query): RawQuery) -> Response {
    let result: Result<Response, ApiError> = async {
        let worker = gate.retirement_worker()?;
        let pairs = pairs(query.as_deref());
        let date = |key: &str| -> Result<i64, ApiError> {
            let text =
                one(&pairs, key).ok_or_else(|| invalid(format!("Missing required parameter: {key}")))?;
            registrar::roles::day_start(&text)
                .ok_or_else(|| invalid(format!("{key} '{text}' is not a date (YYYY-MM-DD).")))
        };
        let (start, end) = (date("start_date")?, date("end_date")?);
        if start > end {
            return Err(invalid("start_date must be on or before end_date."));
        }
        let state_name = one(&pairs, "state").ok_or_else(|| invalid("Missing required parameter: state"))?;
        let rows = gate
            .backend()
            .retirement
            .service_by_status_and_date(&worker, &state_name, start, end + 86_400_000)
            .await?;
        Ok(Json(rows).into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

/// `GET /api/user/v1/accounts/{username}/retirement_status/`
pub async fn status(gate: RequestGate, Path(username): Path<String>) -> Response {
    let result: Result<Response, ApiError> = async {
        let worker = gate.retirement_worker()?;
        Ok(Json(gate.backend().retirement.service_status(&worker, &username).await?).into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

#[derive(Debug, Deserialize)]
struct UpdateBody {
    username: String,
    new_state: String,
    response: String,
    #[serde(default)]
    force: bool,
}

/// `PATCH /api/user/v1/accounts/update_retirement_status/` → 204
pub async fn update_status(gate: RequestGate, headers: HeaderMap, bytes: Bytes) -> Response {
    let result: Result<Response, ApiError> = async {
        let worker = gate.retirement_worker()?;
        let update: UpdateBody = body(&headers, &bytes)?;
        gate.backend()
            .retirement
            .service_update_state(
                &worker,
                &update.username,
                &update.new_state,
                &update.response,
                update.force,
            )
            .await?;
        Ok(StatusCode::NO_CONTENT.into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

#[derive(Debug, Deserialize)]
struct UsernameBody {
    #[serde(default)]
    username: String,
}

async fn run_stage(gate: RequestGate, headers: &HeaderMap, bytes: &Bytes, stage: &str) -> Response {
    let result: Result<Response, ApiError> = async {
        let worker = gate.retirement_worker()?;
        let request: UsernameBody = body(headers, bytes)?;
        gate.backend().retirement.service_run_stage(&worker, &request.username, stage).await?;
        Ok(StatusCode::NO_CONTENT.into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

macro_rules! stage_endpoint {
    ($(#[$doc:meta])* $name:ident, $stage:literal) => {
        $(#[$doc])*
        pub async fn $name(
            gate: RequestGate,
            headers: HeaderMap,
            bytes: Bytes,
        ) -> Response {
            run_stage(gate, &headers, &bytes, $stage).await
        }
    };
}

stage_endpoint!(
    /// `POST /api/discussion/v1/accounts/retire_forum/` (learner in RETIRING_FORUMS) → 204
    retire_forum,
    "RETIRING_FORUMS"
);
stage_endpoint!(
    /// `POST /api/enrollment/v1/unenroll/` (learner in RETIRING_ENROLLMENTS) → 204
    unenroll,
    "RETIRING_ENROLLMENTS"
);
stage_endpoint!(
    /// `POST /api/user/v1/accounts/retire_misc/` (learner in RETIRING_LMS_MISC) → 204
    retire_misc,
    "RETIRING_LMS_MISC"
);
stage_endpoint!(
    /// `POST /api/user/v1/accounts/retire/` (learner in RETIRING_LMS) → 204
    retire,
    "RETIRING_LMS"
);

#[derive(Debug, Deserialize)]
struct CleanupBody {
    usernames: Vec<String>,
}

/// `POST /api/user/v1/accounts/retirement_cleanup/` → 204
pub async fn cleanup(gate: RequestGate, headers: HeaderMap, bytes: Bytes) -> Response {
    let result: Result<Response, ApiError> = async {
        let worker = gate.retirement_worker()?;
        let request: CleanupBody = body(&headers, &bytes)?;
        gate.backend().retirement.service_cleanup(&worker, &request.usernames).await?;
        Ok(StatusCode::NO_CONTENT.into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

#[derive(Debug, Deserialize)]
struct CancelBody {
    #[serde(default)]
    retirement_id: serde_json::Value,
}

/// `POST /api/user/v1/accounts/cancel_retirement/` → 200 `{"success": true}`
pub async fn cancel(gate: RequestGate, headers: HeaderMap, bytes: Bytes) -> Response {
    let result: Result<Response, ApiError> = async {
        let worker = gate.retirement_worker()?;
        let request: CancelBody = body(&headers, &bytes)?;
        let id = match request.retirement_id {
            serde_json::Value::String(s) => s,
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        gate.backend().retirement.service_cancel(&worker, &id).await?;
        Ok(Json(serde_json::json!({"success": true})).into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

#[derive(Debug, Deserialize)]
struct PasswordBody {
    #[serde(default)]
    password: String,
}

/// `POST /api/user/v1/accounts/deactivate_logout/` (form or JSON `password`) → 204 and signed out.
pub async fn deactivate_logout(gate: RequestGate, headers: HeaderMap, bytes: Bytes) -> Response {
    let result: Result<Response, ApiError> = async {
        let me = gate.me()?;
        let request: PasswordBody = body(&headers, &bytes)?;
        gate.backend().retirement.request_deletion(&me, &request.password, gate.client()).await?;
        let cookie = gate.backend().accounts.session_cookie(None);
        Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

/// `GET /api/account/export.json`: "download my data".
pub async fn export(gate: RequestGate) -> Response {
    let result: Result<Response, ApiError> = async {
        let me = gate.me()?;
        let json = gate.backend().retirement.export_my_data(&me).await?;
        let name = format!("registrar-data-{}.json", me.principal().username);
        Ok((
            [
                (header::CONTENT_TYPE, "application/json; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            json,
        )
            .into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

#[derive(Debug, Deserialize)]
struct TokenRequest {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(serde_json::json!({"error": error, "error_description": description}))).into_response()
}

/// `POST /oauth2/access_token` (`grant_type=client_credentials`; the client in the form or in HTTP
/// Basic): `{access_token, token_type: "Bearer", expires_in, scope}`.
pub async fn access_token(gate: RequestGate, headers: HeaderMap, bytes: Bytes) -> Response {
    let Ok(mut request) = body::<TokenRequest>(&headers, &bytes) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Send grant_type, client_id and client_secret as a form.",
        );
    };
    if let Some((id, secret)) = basic_credentials(&headers) {
        request.client_id = id;
        request.client_secret = secret;
    }
    if request.grant_type != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only grant_type=client_credentials is supported.",
        );
    }
    let public = gate.public();
    match gate
        .backend()
        .retirement
        .client_credentials_token(&public, &request.client_id, &request.client_secret, gate.client())
        .await
    {
        Ok((token, expires_in)) => (
            [(header::CACHE_CONTROL, "no-store")],
            Json(serde_json::json!({
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": expires_in,
                "scope": "read write",
            })),
        )
            .into_response(),
        Err(e) if e.code == ErrorCode::OAuthInvalidClient => {
            oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &e.message)
        }
        Err(e) => failure(e),
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}
