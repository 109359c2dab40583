//! Port: courses and enrollment (the course list and overview, the Membership tab's batches, beta
//! testers and roster). Signatures only; the server implements them.

use super::CourseQuery;
use crate::gate::capabilities::{CourseAdmin, CourseEnroller, CourseStaff, GlobalStaff};
use crate::model::{BatchReport, BatchRequest, CourseOverview, CourseSummary, Page, RosterQuery, RosterRow};
use registrar::DomainError;

/// Courses, enrollment batches and the roster.
#[async_trait::async_trait]
pub trait Enrollment: Send + Sync {
    /// Every course, searched and paged (global staff).
    async fn list_courses(
        &self,
        staff: &GlobalStaff,
        query: CourseQuery,
    ) -> Result<Page<CourseSummary>, DomainError>;

    /// One course's overview for its team.
    async fn course_overview(&self, staff: &CourseStaff) -> Result<CourseOverview, DomainError>;

    /// Enroll or unenroll a list of emails and usernames; every row is reported, none aborts the batch.
    async fn enroll_batch(
        &self,
        enroller: &CourseEnroller,
        request: BatchRequest,
    ) -> Result<BatchReport, DomainError>;

    /// Add or remove beta testers from a list (existing, active accounts only; each row reported).
    async fn beta_batch(
        &self,
        admin: &CourseAdmin,
        request: BatchRequest,
    ) -> Result<BatchReport, DomainError>;

    /// A batch's report, kept after the batch ran.
    async fn batch_report(&self, enroller: &CourseEnroller, id: &str) -> Result<BatchReport, DomainError>;

    /// One page of the course's enrollments and unused invitations.
    async fn roster(
        &self,
        enroller: &CourseEnroller,
        query: RosterQuery,
    ) -> Result<Page<RosterRow>, DomainError>;

    /// Every roster row the filter matches (the page number is ignored), for the CSV export.
    async fn roster_export(
        &self,
        enroller: &CourseEnroller,
        query: RosterQuery,
    ) -> Result<Vec<RosterRow>, DomainError>;
}
