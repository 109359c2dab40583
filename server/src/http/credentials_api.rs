//! REST endpoints of credentials and learner records: Open edX's credentials service API for the
//! LMS side (`/api/v2/credentials/`, `/api/v2/grades/`: same paths and bodies, idempotent, per-item
//! results for batches), record CSV downloads (the owner's and a shared link's), signatory images,
//! and the console's signatory upload (multipart).
//!
//! Every handler goes through the Gate and asks the console's question for the same act: listing or
//! reading anyone's credentials `view_credentials`, awarding and the signatory upload
//! `add_credentials`, revoking, status changes and grade pushes `change_credentials`; a learner reads
//! their own as `Me`; the shared CSV and signatory images ask for `Public` (the unguessable link is
//! the credential).

use super::gate::RequestGate;
use super::status::{failure, invalid, query_pairs as pairs};
use app::error::ApiError;
use app::gate::console::*;
use app::model::records::{CredentialRequest, GradeRequest, SignatoryRow};
use app::ports::Download;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::{header, HeaderMap, StatusCode};
use registrar::token_scope::TokenScope;
use registrar::{DomainError, ErrorCode};
use serde::Deserialize;

fn json_body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| invalid(format!("The body is not the JSON this endpoint takes: {e}")))
}

/// A file answer: CSVs are attachments; images are shown inline, and an SVG can never run script.
pub(crate) fn download(file: Download) -> Response {
    let disposition = if file.content_type.starts_with("text/csv") {
        format!("attachment; filename=\"{}\"", file.file_name)
    } else {
        "inline".to_owned()
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, file.content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        file.bytes,
    )
        .into_response();
    if file.content_type == "image/svg+xml" {
        if let Ok(csp) = http::HeaderValue::from_str("default-src 'none'; style-src 'unsafe-inline'; sandbox")
        {
            response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
        }
    }
    response
}

/// `GET /records/shared/{id}/csv`: the CSV of a shared record (no sign-in; rate-limited per address).
pub async fn shared_csv(gate: RequestGate, Path(id): Path<String>) -> Response {
    match gate.backend().records.public_record_csv(&gate.public(), &id, gate.client()).await {
        Ok(file) => download(file),
        Err(e) => failure(e),
    }
}

/// `GET /api/records/{program}/record.csv`: the signed-in learner's own record as CSV.
pub async fn my_csv(gate: RequestGate, Path(program): Path<String>) -> Response {
    let result: Result<Download, ApiError> = async {
        let me = gate.me()?;
        Ok(gate.backend().records.my_record_csv(&me, &program).await?)
    }
    .await;
    result.map_or_else(failure, download)
}

/// `GET /media/signatories/{id}`: a signatory's image, served with the type it was judged to have.
pub async fn signatory_image(gate: RequestGate, Path(id): Path<String>) -> Response {
    match gate.backend().records.signatory_image(&gate.public(), &id).await {
        Ok(file) => download(file),
        Err(e) => failure(e),
    }
}

/// `POST /api/console/signatories` (multipart: `name`, `title`, `organization_name_override`,
/// `image`). A browser form is sent back to the console with the outcome; JSON clients get JSON.
pub async fn upload_signatory(
    gate: RequestGate,
    headers: HeaderMap,
    mut multipart: axum::extract::Multipart,
) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let result: Result<String, ApiError> = async {
        let staff = gate.console_for::<AddCredentials>().await?;
        let unreadable = |_| {
            ApiError::from(DomainError::with_message(
                ErrorCode::ImageInvalid,
                "The upload could not be read. Send a PNG, JPEG or SVG image of at most 250 KB.",
            ))
        };
        let mut row = SignatoryRow {
            id: String::new(),
            name: String::new(),
            title: String::new(),
            organization_name_override: None,
            image_type: String::new(),
        };
        let mut image = Vec::new();
        while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "image" || name == "file" {
                image = field.bytes().await.map_err(unreadable)?.to_vec();
                continue;
            }
            let value = field.text().await.map_err(unreadable)?;
            match name.as_str() {
                "name" => row.name = value,
                "title" => row.title = value,
                "organization_name_override" => row.organization_name_override = Some(value),
                _ => {}
            }
        }
        Ok(gate.backend().records.create_signatory(&staff, row, image).await?)
    }
    .await;
    match result {
        Ok(id) if wants_json => (StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response(),
        Ok(_) => {
            axum::response::Redirect::to("/admin/credentials?signatory=added#signatories").into_response()
        }
        Err(e) if wants_json || e.kind() == registrar::ErrorKind::Unauthenticated => failure(e),
        Err(e) => axum::response::Redirect::to(&format!(
            "/admin/credentials?signatory_error={}#signatories",
            app::components::error_view::urlencode(&e.to_string())
        ))
        .into_response(),
    }
}

/// `GET /api/v2/credentials/?username=&status=&type=program|course-run&program_uuid=`: staff list
/// anyone's; a learner lists their own (naming someone else is 403, whether they exist or not).
pub async fn list_credentials(gate: RequestGate, RawQuery(query): RawQuery) -> Response {
    let result: Result<Response, ApiError> = async {
        let pairs = pairs(query.as_deref());
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let username = get("username");
        // Someone's own (a signed-in learner), or anyone's for whoever may view credentials (staff,
        // or a token scoped to credentials, which acts for no one of its own).
        let own = gate.me().ok().filter(|me| {
            let p = me.principal();
            username.as_ref().map_or(!(p.is_staff || p.is_superuser), |u| u.eq_ignore_ascii_case(&p.username))
        });
        let rows = match (own, username) {
            (Some(me), _) => gate.backend().records.my_credentials(&me).await?,
            (None, Some(username)) => {
                let staff = gate.service_console_for::<ViewCredentials>(TokenScope::CredentialsRead).await?;
                gate.backend().records.credentials_of(&staff, &username).await?
            }
            (None, None) => {
                gate.service_console_for::<ViewCredentials>(TokenScope::CredentialsRead).await?;
                return Err(invalid("Name a learner: ?username=…"));
            }
        };
        let status = get("status");
        let kind = get("type");
        let program = get("program_uuid").map(|u| u.replace('-', "").to_ascii_lowercase());
        if let Some(k) = &kind {
            if k != "program" && k != "course-run" {
                return Err(invalid(format!("type '{k}' is neither program nor course-run.")));
            }
        }
        let results: Vec<_> = rows
            .into_iter()
            .filter(|c| status.as_ref().is_none_or(|s| &c.status == s))
            .filter(|c| kind.as_ref().is_none_or(|k| c.credential.kind.as_ref() == Some(k)))
            .filter(|c| program.as_ref().is_none_or(|u| c.credential.program_uuid.as_ref() == Some(u)))
            .collect();
        Ok(Json(serde_json::json!({ "count": results.len(), "results": results })).into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

/// `POST /api/v2/credentials/`: award or revoke (update-or-create; the same request twice is one
/// effect). 201 when the credential was made, 200 otherwise.
pub async fn post_credential(gate: RequestGate, body: Bytes) -> Response {
    let result: Result<Response, ApiError> = async {
        let staff = gate.service_console_for::<AddCredentials>(TokenScope::Credentials).await?;
        let change = gate.service_console_for::<ChangeCredentials>(TokenScope::Credentials).await.ok();
        let request: CredentialRequest = json_body(&body)?;
        let (out, created) =
            gate.backend().records.issue_credential(&staff, change.as_ref(), request).await?;
        let status = if created { StatusCode::CREATED } else { StatusCode::OK };
        Ok((status, Json(out)).into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

/// `GET /api/v2/credentials/{uuid}/`: a learner their own (A5: the owner may retrieve); anyone's
/// for staff who may view credentials (others are refused, naming the permission).
pub async fn get_credential(gate: RequestGate, Path(uuid): Path<String>) -> Response {
    let result: Result<Response, ApiError> = async {
        let records = &gate.backend().records;
        // Their own for a learner; anyone's for whoever may view credentials (staff, or a token
        // scoped to credentials).
        let found = match gate.me() {
            Ok(me) => match records.credential(&me, &uuid).await {
                Err(e)
                    if e.code == ErrorCode::NotFound
                        && (me.principal().is_staff || me.principal().is_superuser) =>
                {
                    let staff =
                        gate.service_console_for::<ViewCredentials>(TokenScope::CredentialsRead).await?;
                    records.any_credential(&staff, &uuid).await?
                }
                other => other?,
            },
            Err(_) => {
                let staff = gate.service_console_for::<ViewCredentials>(TokenScope::CredentialsRead).await?;
                records.any_credential(&staff, &uuid).await?
            }
        };
        Ok(Json(found).into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
}

/// `PATCH|PUT /api/v2/credentials/{uuid}/` with `{"status": "awarded"|"revoked"}`.
pub async fn patch_credential(gate: RequestGate, Path(uuid): Path<String>, body: Bytes) -> Response {
    let result: Result<Response, ApiError> = async {
        let staff = gate.service_console_for::<ChangeCredentials>(TokenScope::Credentials).await?;
        let body: StatusBody = json_body(&body)?;
        Ok(Json(gate.backend().records.set_credential_status(&staff, &uuid, &body.status).await?)
            .into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

/// `DELETE /api/v2/credentials/{uuid}/`: revokes (the row stays) and answers the revoked credential.
pub async fn delete_credential(gate: RequestGate, Path(uuid): Path<String>) -> Response {
    let result: Result<Response, ApiError> = async {
        let staff = gate.service_console_for::<ChangeCredentials>(TokenScope::Credentials).await?;
        Ok(Json(gate.backend().records.set_credential_status(&staff, &uuid, "revoked").await?)
            .into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}

/// `POST|PUT|PATCH /api/v2/grades/`: one grade (Open edX's body; answered like Open edX, with the
/// item's error status when it is refused) or a JSON array of them (200 with a result per item).
pub async fn post_grades(gate: RequestGate, body: Bytes) -> Response {
    let result: Result<Response, ApiError> = async {
        let staff = gate.service_console_for::<PushGrades>(TokenScope::Grades).await?;
        let value: serde_json::Value = json_body(&body)?;
        let single = value.is_object();
        let items: Vec<serde_json::Value> = match value {
            serde_json::Value::Array(items) => items,
            object @ serde_json::Value::Object(_) => vec![object],
            _ => return Err(invalid("Send a grade object or an array of them.")),
        };
        let mut grades = Vec::with_capacity(items.len());
        let mut shape_errors = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            match serde_json::from_value::<GradeRequest>(item) {
                Ok(g) => grades.push((index, g)),
                Err(e) => shape_errors.push((index, e.to_string())),
            }
        }
        if single {
            if let Some((_, message)) = shape_errors.first() {
                return Err(DomainError::with_message(
                    ErrorCode::GradeInvalid,
                    format!("The grade is not valid: {message}"),
                )
                .into());
            }
        }
        let positions: Vec<usize> = grades.iter().map(|(i, _)| *i).collect();
        let results =
            gate.backend().records.push_grades(&staff, grades.into_iter().map(|(_, g)| g).collect()).await?;
        let mut all: Vec<app::model::records::ItemResult> = results
            .into_iter()
            .zip(positions)
            .map(|(r, index)| app::model::records::ItemResult { index, ..r })
            .chain(shape_errors.into_iter().map(|(index, message)| app::model::records::ItemResult {
                index,
                status: "error".to_owned(),
                code: Some(ErrorCode::GradeInvalid.as_str().to_owned()),
                message: Some(format!("The grade is not valid: {message}")),
            }))
            .collect();
        all.sort_by_key(|r| r.index);
        if single {
            let item = all.into_iter().next().ok_or_else(|| DomainError::internal("grade"))?;
            return match item.code.as_deref() {
                None => Ok((StatusCode::OK, Json(item)).into_response()),
                Some(code) => {
                    let code = serde_json::from_value(serde_json::Value::String(code.to_owned()))
                        .unwrap_or(ErrorCode::GradeInvalid);
                    Err(DomainError::with_message(code, item.message.unwrap_or_default()).into())
                }
            };
        }
        let count = |s: &str| all.iter().filter(|r| r.status == s).count();
        let summary = serde_json::json!({
            "applied": count("applied"),
            "unchanged": count("unchanged"),
            "failed": count("error"),
            "results": all,
        });
        Ok(Json(summary).into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}
