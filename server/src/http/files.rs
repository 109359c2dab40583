//! File endpoints beside the server functions: CSV downloads (a course's enrollment list, a batch's
//! per-row report) and the CSV upload of a batch enrollment list.
//!
//! Each handler builds the Gate from the principal the middleware resolved and asks it for the
//! capability the use case demands, exactly as a server function does; failures answer with the same
//! JSON `ApiError` and status as server functions.

use super::gate::RequestGate;
use super::status::failure;
use app::error::ApiError;
use app::model::{BatchReport, RosterQuery, RosterRow, RosterStatus};
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::header;
use registrar::ids::CourseKey;
use registrar::{DomainError, ErrorCode};
use serde::Deserialize;

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
pub async fn roster_csv(gate: RequestGate, Query(params): Query<RosterParams>) -> Response {
    let result: Result<Response, ApiError> = async {
        let course = CourseKey::parse(&params.course)?;
        let enroller = gate.course_enroller(&course)?;
        let query = RosterQuery {
            search: params.search,
            mode: params.mode,
            status: RosterStatus::parse(&params.status)?,
            page: 1,
        };
        let rows = gate.backend().enrollment.roster_export(&enroller, query).await?;
        let body = crate::csv_file::CsvFile::document(
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
pub async fn batch_report_csv(gate: RequestGate, Query(params): Query<ReportParams>) -> Response {
    let result: Result<Response, ApiError> = async {
        let course = CourseKey::parse(&params.course)?;
        let enroller = gate.course_enroller(&course)?;
        let report = gate.backend().enrollment.batch_report(&enroller, &params.id).await?;
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
    crate::csv_file::CsvFile::document(
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

/// The fields of an upload form.
#[derive(Debug, Default)]
struct UploadForm {
    course: String,
    action: String,
    auto_enroll: bool,
    notify: bool,
    reason: String,
    file: Vec<u8>,
}

async fn read_upload(mut multipart: axum::extract::Multipart) -> Result<UploadForm, DomainError> {
    let unreadable = |_| {
        DomainError::with_message(
            ErrorCode::InputInvalid,
            "The upload could not be read. Send a CSV file of at most 2 MB.",
        )
        .on_field("file")
    };
    let mut form = UploadForm::default();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            form.file = field.bytes().await.map_err(unreadable)?.to_vec();
            continue;
        }
        let value = field.text().await.map_err(unreadable)?;
        match name.as_str() {
            "course" => form.course = value,
            "action" => form.action = value,
            "auto_enroll" => form.auto_enroll = true,
            "notify" => form.notify = true,
            "reason" => form.reason = value,
            _ => {}
        }
    }
    Ok(form)
}

/// The identifiers of an uploaded CSV file: the `email`, `username` or `identifier` columns when the
/// first row names them, otherwise the first column of every row.
pub fn identifiers_from_csv(bytes: &[u8]) -> Result<Vec<String>, DomainError> {
    let invalid =
        |message: &str| DomainError::with_message(ErrorCode::InputInvalid, message).on_field("file");
    let text = std::str::from_utf8(bytes)
        .map_err(|_| invalid("The file is not UTF-8 text; save it as CSV UTF-8."))?;
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            invalid(&format!("Line {line} of the file is not valid CSV."))
        })?;
        records.push(record);
    }
    let named =
        |cell: &str| matches!(cell.trim().to_lowercase().as_str(), "email" | "username" | "identifier");
    let header_columns: Vec<usize> = records
        .first()
        .map(|first| first.iter().enumerate().filter(|(_, c)| named(c)).map(|(i, _)| i).collect())
        .unwrap_or_default();
    let (columns, skip) = if header_columns.is_empty() { (vec![0], 0) } else { (header_columns, 1) };
    let out: Vec<String> = records
        .iter()
        .skip(skip)
        .flat_map(|r| {
            columns
                .iter()
                .filter_map(|&i| r.get(i))
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    if out.is_empty() {
        return Err(invalid("The file has no email addresses or usernames in it."));
    }
    Ok(out)
}

/// `POST /api/membership/upload` (multipart: `course`, `file`, `action`, `auto_enroll`, `notify`,
/// `reason`): batch enrollment from a CSV file. Browsers are sent to the report (or back to the form
/// with the error); clients that accept JSON get the report or the error as JSON.
pub async fn upload(
    gate: RequestGate,
    headers: http::HeaderMap,
    multipart: axum::extract::Multipart,
) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let mut course_text = String::new();
    let result: Result<BatchReport, ApiError> = async {
        let form = read_upload(multipart).await?;
        course_text.clone_from(&form.course);
        let course = CourseKey::parse(&form.course)?;
        let enroller = gate.course_enroller(&course)?;
        let request = app::model::BatchRequest {
            identifiers: identifiers_from_csv(&form.file)?.join("\n"),
            action: app::model::BatchAction::parse(&form.action)?,
            auto_enroll: form.auto_enroll,
            notify: form.notify,
            reason: form.reason,
        };
        Ok(gate.backend().enrollment.enroll_batch(&enroller, request).await?)
    }
    .await;
    let page = |query: String| {
        let key = course_text.replace('+', "%2B");
        axum::response::Redirect::to(&format!("/courses/{key}?tab=membership&{query}")).into_response()
    };
    match result {
        Ok(report) if wants_json => Json(report).into_response(),
        Ok(report) => page(format!("batch={}", report.id)),
        Err(error) if wants_json || CourseKey::parse(&course_text).is_err() => failure(error),
        Err(error) => {
            page(format!("upload_error={}", app::components::error_view::urlencode(&error.to_string())))
        }
    }
}
