//! Port: content libraries and their teams, groups and org-wide grants, "explain access".
//! Signatures only; the server implements them.

use crate::gate::capabilities::{LibraryAdmin, LibraryCreator, LibraryEditor, LibraryViewer, Me};
use crate::gate::console::{
    AddGroups, AddRoles, ChangeGroups, Console, DeleteGroups, DeleteRoles, ViewGroups, ViewRoles,
};
use crate::model::{
    AccessExplanation, GroupPage, GroupSummary, Holder, LibraryList, LibraryPage, OrgGrant, OrgGrantRequest,
    TeamChange,
};
use registrar::library::{AccessLevel, LibrarySwitches};
use registrar::DomainError;

/// Libraries: the list, creation, the library page, its switches and its team.
#[async_trait::async_trait]
pub trait Libraries: Send + Sync {
    /// The libraries the signed-in user may view, and where they may create one.
    async fn libraries(&self, me: &Me, search: &str) -> Result<LibraryList, DomainError>;

    /// Create a library; its creator becomes its Admin. Returns the new key.
    async fn create_library(
        &self,
        creator: &LibraryCreator,
        slug: &str,
        title: &str,
        description: &str,
    ) -> Result<String, DomainError>;

    /// The library page: details, the viewer's rights, its team, inherited access and history.
    async fn library_page(&self, viewer: &LibraryViewer) -> Result<LibraryPage, DomainError>;

    /// Change the title and description (Authors and Admins).
    async fn update_library(
        &self,
        editor: &LibraryEditor,
        title: &str,
        description: &str,
    ) -> Result<(), DomainError>;

    /// Change who outside the team may read or learn from the library (Admins only).
    async fn set_library_switches(
        &self,
        admin: &LibraryAdmin,
        switches: LibrarySwitches,
    ) -> Result<(), DomainError>;

    /// Give a user or group a level on the library.
    async fn library_grant(
        &self,
        admin: &LibraryAdmin,
        holder: &Holder,
        level: AccessLevel,
        expires_at: Option<i64>,
    ) -> Result<TeamChange, DomainError>;

    /// Change a user's or group's level; never leaves the library without a permanent Admin.
    async fn library_set_level(
        &self,
        admin: &LibraryAdmin,
        holder: &Holder,
        level: AccessLevel,
        expires_at: Option<i64>,
    ) -> Result<TeamChange, DomainError>;

    /// Take a user's or group's access away; never the last permanent Admin.
    async fn library_revoke(&self, admin: &LibraryAdmin, holder: &Holder) -> Result<TeamChange, DomainError>;

    /// Every source of a user's access to the library.
    async fn explain_library_access(
        &self,
        admin: &LibraryAdmin,
        identifier: &str,
    ) -> Result<AccessExplanation, DomainError>;
}

/// The console's groups and org-wide grants, and "explain access" for any course or library.
#[async_trait::async_trait]
pub trait Groups: Send + Sync {
    /// Every group (console).
    async fn groups(&self, staff: &Console<ViewGroups>) -> Result<Vec<GroupSummary>, DomainError>;

    /// Create a group; returns its id.
    async fn create_group(
        &self,
        staff: &Console<AddGroups>,
        name: &str,
        description: &str,
    ) -> Result<String, DomainError>;

    /// A group's page: members and grants.
    async fn group_page(&self, staff: &Console<ViewGroups>, id: &str) -> Result<GroupPage, DomainError>;

    /// Rename and describe a group.
    async fn rename_group(
        &self,
        staff: &Console<ChangeGroups>,
        id: &str,
        name: &str,
        description: &str,
    ) -> Result<(), DomainError>;

    /// Delete a group with its memberships and grants.
    async fn delete_group(&self, staff: &Console<DeleteGroups>, id: &str) -> Result<(), DomainError>;

    /// Add a member by username or email.
    async fn add_group_member(
        &self,
        staff: &Console<ChangeGroups>,
        id: &str,
        identifier: &str,
    ) -> Result<(), DomainError>;

    /// Remove a member.
    async fn remove_group_member(
        &self,
        staff: &Console<ChangeGroups>,
        id: &str,
        username: &str,
    ) -> Result<(), DomainError>;

    /// Every source of a user's access to a course or library (console).
    async fn explain_access(
        &self,
        staff: &Console<ViewRoles>,
        identifier: &str,
        target: &str,
    ) -> Result<AccessExplanation, DomainError>;

    /// Org-wide grants (course roles and library levels), optionally for one org.
    async fn org_grants(&self, staff: &Console<ViewRoles>, org: &str) -> Result<Vec<OrgGrant>, DomainError>;

    /// Give an org-wide course role (`instructor`/`staff`/`data_researcher`, users) or library level
    /// (`admin`/`author`/`read`, users or groups).
    async fn grant_org(
        &self,
        staff: &Console<AddRoles>,
        grant: &OrgGrantRequest,
    ) -> Result<TeamChange, DomainError>;

    /// Take an org-wide grant away.
    async fn revoke_org(
        &self,
        staff: &Console<DeleteRoles>,
        grant: &OrgGrantRequest,
    ) -> Result<TeamChange, DomainError>;
}

/// Everything the libraries area offers.
pub trait LibrariesArea: Libraries + Groups {}

impl<T: Libraries + Groups> LibrariesArea for T {}
