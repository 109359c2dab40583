//! The Studio course team page: Admins and Staff of one course, invitations, history and "explain
//! access". It reads and writes the same role rows as the Membership tab.

use crate::error::ApiError;
use crate::model::{AccessExplanation, StudioTeam, TeamChange};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::Gate;

#[cfg(feature = "ssr")]
fn course_key(course: &str) -> Result<registrar::ids::CourseKey, ApiError> {
    Ok(registrar::ids::CourseKey::parse(course)?)
}

#[cfg(feature = "ssr")]
use super::end_date;

/// The course team page (course Admins and Staff).
#[server(prefix = "/api", endpoint = "course_team/get")]
pub async fn get_studio_team(course: String) -> Result<StudioTeam, ApiError> {
    let gate = Gate::for_request()?;
    let viewer = gate.course_team_viewer(&course_key(&course)?)?;
    Ok(gate.backend().team.studio_team(&viewer).await?)
}

/// Add a member as `instructor` (Admin) or `staff` by email or username, optionally until `expires`
/// (YYYY-MM-DD, the last day). An email without an account is invited. Course Admins only.
#[server(prefix = "/api", endpoint = "course_team/add")]
pub async fn studio_add(
    course: String,
    identifier: String,
    role: String,
    expires: Option<String>,
) -> Result<TeamChange, ApiError> {
    let gate = Gate::for_request()?;
    let admin = gate.course_admin(&course_key(&course)?)?;
    let role = registrar::team::parse_studio_role(&role)?;
    Ok(gate.backend().team.studio_add(&admin, &identifier, role, end_date(expires)?).await?)
}

/// Switch a member to `instructor` (Admin) or `staff`, and set or clear when it ends.
#[server(prefix = "/api", endpoint = "course_team/set_role")]
pub async fn studio_set_role(
    course: String,
    username: String,
    role: String,
    expires: Option<String>,
) -> Result<TeamChange, ApiError> {
    let gate = Gate::for_request()?;
    let admin = gate.course_admin(&course_key(&course)?)?;
    let role = registrar::team::parse_studio_role(&role)?;
    Ok(gate.backend().team.studio_set_role(&admin, &username, role, end_date(expires)?).await?)
}

/// Take a member off the team. Course Admins remove anyone but themselves and the last Admin; Staff
/// may remove themselves (leave).
#[server(prefix = "/api", endpoint = "course_team/remove")]
pub async fn studio_remove(course: String, username: String) -> Result<TeamChange, ApiError> {
    let gate = Gate::for_request()?;
    let key = course_key(&course)?;
    let viewer = gate.course_team_viewer(&key)?;
    if viewer.principal().username.eq_ignore_ascii_case(username.trim()) {
        return Ok(gate.backend().team.studio_leave(&viewer).await?);
    }
    let admin = gate.course_admin(&key)?;
    Ok(gate.backend().team.studio_remove(&admin, &username).await?)
}

/// Withdraw a pending invitation (course Admins).
#[server(prefix = "/api", endpoint = "course_team/revoke_invitation")]
pub async fn studio_revoke_invitation(course: String, id: String) -> Result<TeamChange, ApiError> {
    let gate = Gate::for_request()?;
    let admin = gate.course_admin(&course_key(&course)?)?;
    Ok(gate.backend().team.studio_revoke_invitation(&admin, &id).await?)
}

/// Every grant that gives a user access to the course, and what each allows (course Admins).
#[server(prefix = "/api", endpoint = "course_team/explain")]
pub async fn explain_course_access(
    course: String,
    identifier: String,
) -> Result<AccessExplanation, ApiError> {
    let gate = Gate::for_request()?;
    let admin = gate.course_admin(&course_key(&course)?)?;
    Ok(gate.backend().team.explain_course_access(&admin, &identifier).await?)
}
