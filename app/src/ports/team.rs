//! Port: a course's team (the Membership tab's course team and discussion roles, and the Studio
//! course team page). Signatures only; the server implements them.

use crate::gate::capabilities::{CourseAdmin, CourseTeamViewer, DiscussionManager};
use crate::model::{AccessExplanation, StudioTeam, TeamChange, TeamMember};
use registrar::roles::Role;
use registrar::DomainError;

/// The Membership tab's course team and discussion roles.
#[async_trait::async_trait]
pub trait CourseRoles: Send + Sync {
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
}

/// The Studio course team page: Admins and Staff by email or username, invitations, end dates.
#[async_trait::async_trait]
pub trait StudioTeamPage: Send + Sync {
    /// The Studio course team page: Admins and Staff, inherited access, invitations, history.
    async fn studio_team(&self, viewer: &CourseTeamViewer) -> Result<StudioTeam, DomainError>;

    /// Add someone as Admin or Staff by email or username (enrolls them); an unknown email is invited.
    async fn studio_add(
        &self,
        admin: &CourseAdmin,
        identifier: &str,
        role: Role,
        expires_at: Option<i64>,
    ) -> Result<TeamChange, DomainError>;

    /// Switch a member between Admin and Staff (and set when it ends); never leaves the course without
    /// a permanent Admin.
    async fn studio_set_role(
        &self,
        admin: &CourseAdmin,
        username: &str,
        role: Role,
        expires_at: Option<i64>,
    ) -> Result<TeamChange, DomainError>;

    /// Take a member off the team (Admin or Staff); never the last permanent Admin, never yourself.
    async fn studio_remove(&self, admin: &CourseAdmin, username: &str) -> Result<TeamChange, DomainError>;

    /// Leave the team yourself (Staff; an Admin must be demoted by another Admin).
    async fn studio_leave(&self, viewer: &CourseTeamViewer) -> Result<TeamChange, DomainError>;

    /// Withdraw a pending invitation.
    async fn studio_revoke_invitation(
        &self,
        admin: &CourseAdmin,
        id: &str,
    ) -> Result<TeamChange, DomainError>;

    /// Every source of a user's access to the course.
    async fn explain_course_access(
        &self,
        admin: &CourseAdmin,
        identifier: &str,
    ) -> Result<AccessExplanation, DomainError>;
}

/// Everything the course team area offers.
pub trait TeamArea: CourseRoles + StudioTeamPage {}

impl<T: CourseRoles + StudioTeamPage> TeamArea for T {}
