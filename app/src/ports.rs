//! The ports: what the server must provide for server functions to work (server side only).
//!
//! `Backend` is implemented by the server crate over its stores. Every use-case method demands a
//! capability from `crate::gate`, which only the Gate can mint, so no server function can reach a use
//! case without passing the Gate. Data shapes live in `crate::model`.

use crate::gate::{
    CourseAdmin, CourseEnroller, CourseStaff, DiscussionManager, GlobalStaff, Me, Public, System,
};
use crate::model::{
    AccountView, BatchReport, BatchRequest, CourseOverview, CourseSummary, CurrentUser, ManageUser,
    ManageUserReport, Page, RosterQuery, RosterRow, TeamMember,
};
use registrar::account::ValidRegistration;
use registrar::authz::Principal;
use registrar::roles::Role;
use registrar::DomainError;
use std::sync::Arc;

/// Who made the request, as the server saw it: set once per request by the server's middleware.
#[derive(Debug, Clone, Default)]
pub struct RequestPrincipal {
    /// The resolved principal, `None` for anonymous requests.
    pub principal: Option<Principal>,
    /// The hashed id of the session the request came with (cookie sign-in only).
    pub session_id: Option<String>,
}

/// Facts about the client, for throttling and the session list.
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    pub ip: String,
    pub user_agent: String,
}

/// A session just opened: the secret for the cookie (shown once, stored hashed).
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
}

/// A course list query.
#[derive(Debug, Clone, Default)]
pub struct CourseQuery {
    pub search: String,
    pub page: u32,
    pub per_page: u32,
}

/// The server's implementation of every use case.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Check credentials and open a session. Throttled; the error never says which part was wrong.
    async fn sign_in(
        &self,
        public: &Public,
        identifier: &str,
        password: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError>;

    /// Create an account and open its first session.
    async fn register(
        &self,
        public: &Public,
        registration: ValidRegistration,
        password: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError>;

    /// End the session the request came with.
    async fn sign_out(&self, me: &Me) -> Result<(), DomainError>;

    /// The header and navigation view of the signed-in user.
    async fn current_user(&self, me: &Me) -> Result<CurrentUser, DomainError>;

    /// The account page.
    async fn account(&self, me: &Me) -> Result<AccountView, DomainError>;

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

    /// Everyone holding a team role in the course.
    async fn course_team(&self, admin: &CourseAdmin) -> Result<Vec<TeamMember>, DomainError>;

    /// Give a team role to an account (found by username or email); enrolls it too.
    async fn add_team_member(
        &self,
        admin: &CourseAdmin,
        identifier: &str,
        role: Role,
    ) -> Result<(), DomainError>;

    /// Take a team role away; never the last Admin, never your own Admin role.
    async fn remove_team_member(
        &self,
        admin: &CourseAdmin,
        username: &str,
        role: Role,
    ) -> Result<(), DomainError>;

    /// Everyone holding a discussion role in the course.
    async fn discussion_team(&self, manager: &DiscussionManager) -> Result<Vec<TeamMember>, DomainError>;

    /// Give a discussion role to an active account (found by username or email); enrolls it too.
    async fn add_discussion_role(
        &self,
        manager: &DiscussionManager,
        identifier: &str,
        role: Role,
    ) -> Result<(), DomainError>;

    /// Take a discussion role away; a course Admin keeps Discussion Admin.
    async fn remove_discussion_role(
        &self,
        manager: &DiscussionManager,
        username: &str,
        role: Role,
    ) -> Result<(), DomainError>;

    /// Create or update an account (`registrar manage-user`).
    async fn manage_user(
        &self,
        system: &System,
        request: ManageUser,
    ) -> Result<ManageUserReport, DomainError>;

    /// Issue a bearer token for a user; returns the secret, shown once.
    async fn issue_token(
        &self,
        system: &System,
        username: &str,
        name: &str,
        expires_at: Option<i64>,
    ) -> Result<String, DomainError>;

    /// The `Set-Cookie` value that stores a session token, or clears it when `None`.
    fn session_cookie(&self, token: Option<&str>) -> String;
}

/// The backend as server functions find it in context.
pub type SharedBackend = Arc<dyn Backend>;
