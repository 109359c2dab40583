//! The instructor dashboard's Membership tab: batch enrollment.

use crate::error::ApiError;
use crate::model::BatchReport;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::Gate;

/// Most identifiers one request may carry.
pub const MAX_BATCH: usize = 500;

/// Enroll or unenroll a list of emails and/or usernames (commas, spaces or new lines). Checkboxes
/// `auto_enroll` and `notify` are on when present.
#[server(prefix = "/api", endpoint = "membership/enroll_batch")]
pub async fn enroll_batch(
    course: String,
    identifiers: String,
    action: String,
    auto_enroll: Option<String>,
    notify: Option<String>,
    reason: Option<String>,
) -> Result<BatchReport, ApiError> {
    let gate = Gate::for_request()?;
    let key = registrar::ids::CourseKey::parse(&course)?;
    let enroller = gate.course_enroller(&key)?;
    let request = crate::model::BatchRequest {
        identifiers,
        action: crate::model::BatchAction::parse(&action)?,
        auto_enroll: auto_enroll.is_some(),
        notify: notify.is_some(),
        reason: reason.unwrap_or_default(),
    };
    let report = gate.backend().enroll_batch(&enroller, request).await?;
    // Browsers (with or without JavaScript) go to the page that shows the report; API clients get
    // the report itself in the response body.
    leptos_axum::redirect(&format!("/courses/{}?tab=membership&batch={}", report.course, report.id));
    Ok(report)
}

/// The report of an earlier batch in this course.
#[server(prefix = "/api", endpoint = "membership/batch_report")]
pub async fn get_batch_report(course: String, id: String) -> Result<BatchReport, ApiError> {
    let gate = Gate::for_request()?;
    let key = registrar::ids::CourseKey::parse(&course)?;
    let enroller = gate.course_enroller(&key)?;
    Ok(gate.backend().batch_report(&enroller, &id).await?)
}
