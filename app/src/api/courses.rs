//! Course lists and overviews for staff.

use crate::error::ApiError;
use crate::model::{CourseOverview, CourseSummary, Page};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::gate::Gate;

/// Courses per page in lists.
pub const COURSES_PER_PAGE: u32 = 20;

/// Every course, searched by key or name and paged (global staff).
#[server(prefix = "/api", endpoint = "courses/list")]
pub async fn list_courses(search: String, page: u32) -> Result<Page<CourseSummary>, ApiError> {
    let gate = Gate::for_request()?;
    let staff = gate.global_staff()?;
    let query = crate::ports::CourseQuery { search, page: page.max(1), per_page: COURSES_PER_PAGE };
    Ok(gate.backend().enrollment.list_courses(&staff, query).await?)
}

/// One course's overview, for anyone with staff access to it.
#[server(prefix = "/api", endpoint = "courses/overview")]
pub async fn get_course_overview(course: String) -> Result<CourseOverview, ApiError> {
    let gate = Gate::for_request()?;
    let key = registrar::ids::CourseKey::parse(&course)?;
    let staff = gate.course_staff(&key)?;
    Ok(gate.backend().enrollment.course_overview(&staff).await?)
}
