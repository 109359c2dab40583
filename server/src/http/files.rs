//! File endpoints beside the server functions: CSV downloads (a course's enrollment list, a batch's
//! per-row report) and the CSV upload of a batch enrollment list.
//!
//! Each handler builds the Gate from the principal the middleware resolved and asks it for the
//! capability the use case demands, exactly as a server function does; failures answer with the same
//! JSON `ApiError` and status as server functions.

use super::status::status_of;
use super::AppState;
use app::error::ApiError;
use app::gate::Gate;
use app::model::{BatchReport, RosterQuery, RosterRow, RosterStatus};
use app::ports::{ClientMeta, RequestPrincipal};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use http::header;
use registrar::ids::CourseKey;
use registrar::{DomainError, ErrorCode};
use serde::Deserialize;

/// The error response every handler here answers with.
fn failure(error: impl Into<ApiError>) -> Response {
    let error = error.into();
    (status_of(error.kind()), Json(error)).into_response()
}

/// A CSV attachment named `filename`.
fn attachment(filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// A CSV document from a header and rows; writing to memory cannot fail short of running out of it.
pub fn csv_document<R: IntoIterator<Item = Vec<String>>>(
    header: &[&str],
    rows: R,
) -> Result<Vec<u8>, DomainError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let written = out.write_record(header).and_then(|()| {
        for row in rows {
            out.write_record(&row)?;
        }
        out.flush().map_err(csv::Error::from)
    });
    written.map_err(crate::backend::internal)?;
    out.into_inner().map_err(crate::backend::internal)
}

/// A course key as a file-name fragment.
fn file_stem(course: &CourseKey) -> String {
    course.to_string().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

#[derive(Debug, Deserialize)]
pub struct RosterParams {
    course: String,
    #[serde(default)]
    search: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    status: String,
}

/// `GET /api/membership/enrollments.csv?course=…&search=…&mode=…&status=…`: the filtered enrollment
/// list of a course, every row, for course staff.
pub async fn roster_csv(
    State(state): State<AppState>,
    Extension(principal): Extension<RequestPrincipal>,
    Extension(client): Extension<ClientMeta>,
    Query(params): Query<RosterParams>,
) -> Response {
    let gate = Gate::new(state.backend.clone(), principal, client);
    let result: Result<Response, ApiError> = async {
        let course = CourseKey::parse(&params.course)?;
        let enroller = gate.course_enroller(&course)?;
        let query = RosterQuery {
            search: params.search,
            mode: params.mode,
            status: RosterStatus::parse(&params.status)?,
            page: 1,
        };
        let rows = gate.backend().roster_export(&enroller, query).await?;
        let body = csv_document(
            &["username", "full_name", "email", "mode", "status", "auto_enroll", "since"],
            rows.into_iter().map(roster_record),
        )?;
        Ok(attachment(&format!("enrollments-{}.csv", file_stem(&course)), body))
    }
    .await;
    result.unwrap_or_else(failure)
}

fn roster_record(row: RosterRow) -> Vec<String> {
    vec![
        row.username.unwrap_or_default(),
        row.full_name.unwrap_or_default(),
        row.email,
        row.mode.unwrap_or_default(),
        row.status.as_str().to_owned(),
        if row.status == RosterStatus::Invited { row.auto_enroll.to_string() } else { String::new() },
        app::model::format_date(row.since),
    ]
}

#[derive(Debug, Deserialize)]
pub struct ReportParams {
    course: String,
    id: String,
}

/// `GET /api/membership/batch_report.csv?course=…&id=…`: a batch's per-row results.
pub async fn batch_report_csv(
    State(state): State<AppState>,
    Extension(principal): Extension<RequestPrincipal>,
    Extension(client): Extension<ClientMeta>,
    Query(params): Query<ReportParams>,
) -> Response {
    let gate = Gate::new(state.backend.clone(), principal, client);
    let result: Result<Response, ApiError> = async {
        let course = CourseKey::parse(&params.course)?;
        let enroller = gate.course_enroller(&course)?;
        let report = gate.backend().batch_report(&enroller, &params.id).await?;
        let body = report_csv(&report)?;
        Ok(attachment(&format!("batch-{}-{}.csv", file_stem(&course), params.id), body))
    }
    .await;
    result.unwrap_or_else(failure)
}

/// A batch report as CSV: the anchor's columns (identifier, success, state transition, error) plus
/// the group and the before/after states.
pub fn report_csv(report: &BatchReport) -> Result<Vec<u8>, DomainError> {
    let state = |s: &Option<registrar::enrollment::EnrollmentState>| {
        s.as_ref().map_or_else(String::new, |s| {
            format!(
                "user={} enrollment={} allowed={} auto_enroll={}",
                s.user, s.enrollment, s.allowed, s.auto_enroll
            )
        })
    };
    csv_document(
        &["identifier", "success", "result", "before", "after", "error"],
        report.rows.iter().map(|row| {
            let failed = matches!(
                row.category,
                registrar::enrollment::Category::Invalid | registrar::enrollment::Category::Error
            );
            vec![
                row.identifier.clone(),
                (!failed).to_string(),
                format!("{:?}", row.category),
                state(&row.before),
                state(&row.after),
                row.error.clone().unwrap_or_default(),
            ]
        }),
    )
}

/// Refuse a request that is not what a handler takes, with a message that says why.
#[must_use]
pub fn bad_request(message: impl Into<String>) -> Response {
    failure(DomainError::with_message(ErrorCode::InputInvalid, message))
}
