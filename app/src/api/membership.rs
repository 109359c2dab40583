//! The instructor dashboard's Membership tab: batch enrollment, beta testers, course team roles and
//! discussion roles.

use crate::error::ApiError;
use crate::model::{BatchReport, TeamMember};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::Gate;

/// Most identifiers one batch may carry.
pub const MAX_BATCH: usize = 10_000;

/// Batches longer than this run in the background, with a progress bar and a mail when done.
pub const INLINE_BATCH: usize = 500;

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
    let report = gate.backend().enrollment.enroll_batch(&enroller, request).await?;
    // Browsers (with or without JavaScript) go to the page that shows the report; API clients get
    // the report itself in the response body.
    leptos_axum::redirect(&format!("/courses/{}?tab=membership&batch={}", report.course, report.id));
    Ok(report)
}

/// Add (`action=add`) or remove (`action=remove`) beta testers from a list of usernames and emails;
/// `auto_enroll` also enrolls those added, `notify` mails them. Course Admins only.
#[server(prefix = "/api", endpoint = "membership/beta_batch")]
pub async fn beta_batch(
    course: String,
    identifiers: String,
    action: String,
    auto_enroll: Option<String>,
    notify: Option<String>,
) -> Result<BatchReport, ApiError> {
    let gate = Gate::for_request()?;
    let key = registrar::ids::CourseKey::parse(&course)?;
    let admin = gate.course_admin(&key)?;
    let action = match action.trim() {
        "add" => crate::model::BatchAction::AddBetaTesters,
        "remove" => crate::model::BatchAction::RemoveBetaTesters,
        other => {
            return Err(registrar::DomainError::with_message(
                registrar::ErrorCode::InputInvalid,
                format!("The action must be add or remove, not '{other}'."),
            )
            .into())
        }
    };
    let request = crate::model::BatchRequest {
        identifiers,
        action,
        auto_enroll: auto_enroll.is_some(),
        notify: notify.is_some(),
        reason: String::new(),
    };
    let report = gate.backend().enrollment.beta_batch(&admin, request).await?;
    leptos_axum::redirect(&format!("/courses/{}?tab=membership&batch={}", report.course, report.id));
    Ok(report)
}

/// The report of an earlier batch in this course.
#[server(prefix = "/api", endpoint = "membership/batch_report")]
pub async fn get_batch_report(course: String, id: String) -> Result<BatchReport, ApiError> {
    let gate = Gate::for_request()?;
    let key = registrar::ids::CourseKey::parse(&course)?;
    let enroller = gate.course_enroller(&key)?;
    Ok(gate.backend().enrollment.batch_report(&enroller, &id).await?)
}

/// Everyone holding a team role in the course (Admins only).
#[server(prefix = "/api", endpoint = "membership/team_list")]
pub async fn list_team(course: String) -> Result<Vec<TeamMember>, ApiError> {
    let gate = Gate::for_request()?;
    let admin = gate.course_admin(&registrar::ids::CourseKey::parse(&course)?)?;
    Ok(gate.backend().team.course_team(&admin).await?)
}

/// Give a course role to the account with this username or email: a team role (`staff`, `instructor`,
/// `limited_staff`, `data_researcher`, `beta_testers`; course Admins only) or a discussion role
/// (`Administrator`, `Moderator`, `Group Moderator`, `Community TA`, or their labels; course Admins and
/// Discussion Admins, and only course Admins manage Discussion Admins).
#[server(prefix = "/api", endpoint = "membership/team_add")]
pub async fn add_team_member(course: String, identifier: String, role: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let key = registrar::ids::CourseKey::parse(&course)?;
    let role = registrar::team::parse_course_role(&role).map_err(|e| e.on_field("role"))?;
    if registrar::discussion::DISCUSSION_ROLES.contains(&role) {
        let manager = gate.discussion_manager(&key)?;
        Ok(gate.backend().team.add_discussion_role(&manager, &identifier, role).await?)
    } else {
        let admin = gate.course_admin(&key)?;
        Ok(gate.backend().team.add_team_member(&admin, &identifier, role).await?)
    }
}

/// Take a course role (team or discussion, as for `team_add`) away from a user.
#[server(prefix = "/api", endpoint = "membership/team_remove")]
pub async fn remove_team_member(course: String, username: String, role: String) -> Result<(), ApiError> {
    let gate = Gate::for_request()?;
    let key = registrar::ids::CourseKey::parse(&course)?;
    let role = registrar::team::parse_course_role(&role)?;
    if registrar::discussion::DISCUSSION_ROLES.contains(&role) {
        let manager = gate.discussion_manager(&key)?;
        Ok(gate.backend().team.remove_discussion_role(&manager, &username, role).await?)
    } else {
        let admin = gate.course_admin(&key)?;
        Ok(gate.backend().team.remove_team_member(&admin, &username, role).await?)
    }
}

/// Everyone holding a discussion role in the course (course Admins and Discussion Admins).
#[server(prefix = "/api", endpoint = "membership/discussion_list")]
pub async fn list_discussion_team(course: String) -> Result<Vec<TeamMember>, ApiError> {
    let gate = Gate::for_request()?;
    let manager = gate.discussion_manager(&registrar::ids::CourseKey::parse(&course)?)?;
    Ok(gate.backend().team.discussion_team(&manager).await?)
}

/// One page (50 rows) of the course's enrollments and unused invitations. `search` matches the start of
/// a username, email or full name; `mode` one enrollment mode; `status` is `all`, `active`, `inactive`
/// or `invited`. The same filters download as CSV from `GET /api/membership/enrollments.csv`.
#[server(prefix = "/api", endpoint = "membership/enrollments")]
pub async fn list_enrollments(
    course: String,
    search: Option<String>,
    mode: Option<String>,
    status: Option<String>,
    page: Option<u32>,
) -> Result<crate::model::Page<crate::model::RosterRow>, ApiError> {
    let gate = Gate::for_request()?;
    let enroller = gate.course_enroller(&registrar::ids::CourseKey::parse(&course)?)?;
    let query = crate::model::RosterQuery {
        search: search.unwrap_or_default(),
        mode: mode.unwrap_or_default(),
        status: crate::model::RosterStatus::parse(status.as_deref().unwrap_or_default())?,
        page: page.unwrap_or(1),
    };
    Ok(gate.backend().enrollment.roster(&enroller, query).await?)
}
