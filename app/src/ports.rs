//! The ports: what the server must provide for server functions to work (server side only).
//!
//! `Backend` is implemented by the server crate over its stores. Every use-case method demands a
//! capability from `crate::gate`, which only the Gate can mint, so no server function can reach a use
//! case without passing the Gate. Data shapes live in `crate::model`.

use crate::gate::{
    ConsoleActor, CourseAdmin, CourseEnroller, CourseStaff, CourseTeamViewer, DiscussionManager, GlobalStaff,
    LibraryAdmin, LibraryCreator, LibraryEditor, LibraryViewer, Me, Public, RetirementWorker, Signer, System,
};
use crate::model::console::{
    AgreementView, AuditPage, AuditQuery, BulkOutcome, InvitationLine, InvitationRequest, JobLine,
    MyAgreements, NewAccount, RoleAssignmentLine, SignResult, UserDetail, UserList, UserQuery,
};
use crate::model::records::{
    CourseCertificateRow, CredentialOut, CredentialRequest, CredentialsConsole, GradeRequest, ItemResult,
    PathwayRow, ProgramCertificateRow, ProgramRecord, ProgramRow, RecordsList, ShareInfo, SignatoryRow,
    SiteConfig,
};
use crate::model::{
    AccessExplanation, AccountView, BatchReport, BatchRequest, CourseOverview, CourseSummary, CurrentUser,
    GroupPage, GroupSummary, Holder, LibraryList, LibraryPage, ManageUser, ManageUserReport, OrgGrant,
    OrgGrantRequest, Page, RosterQuery, RosterRow, StudioTeam, TeamChange, TeamMember,
};
use crate::model::{
    CancelDeletionPage, DeletionInfo, DeletionQueued, OutboxMail, RetirementDashboard, RetirementDetail,
    RetirementSummary, ServiceRetirement,
};
use registrar::account::ValidRegistration;
use registrar::authz::Principal;
use registrar::console::Permission;
use registrar::ids::UserId;
use registrar::library::{AccessLevel, LibraryGrant, LibraryKey, LibrarySwitches};
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
    /// An invited account signed in to sign its agreements (no principal until it is active).
    pub awaiting: Option<AwaitingAccount>,
}

/// An invited account that has signed in but is not active yet.
#[derive(Debug, Clone)]
pub struct AwaitingAccount {
    pub user_id: UserId,
    pub username: String,
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
    /// The account is invited, not active yet: it signed in to sign its agreements.
    pub awaiting: bool,
}

/// A course list query.
#[derive(Debug, Clone, Default)]
pub struct CourseQuery {
    pub search: String,
    pub page: u32,
    pub per_page: u32,
}

/// The sharing use cases: the Studio course team page, libraries and their teams, groups, org-wide
/// grants and "explain access".
#[async_trait::async_trait]
pub trait Sharing: Send + Sync {
    /// Facts the Gate decides library access from: the library's switches and every library grant the
    /// user holds in its org (direct, group, org-wide; ended ones included). `None`: no such library.
    async fn library_facts(
        &self,
        user: &UserId,
        key: &LibraryKey,
    ) -> Result<Option<(LibrarySwitches, Vec<LibraryGrant>)>, DomainError>;

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

    /// Every group (console).
    async fn groups(&self, staff: &GlobalStaff) -> Result<Vec<GroupSummary>, DomainError>;

    /// Create a group; returns its id.
    async fn create_group(
        &self,
        staff: &GlobalStaff,
        name: &str,
        description: &str,
    ) -> Result<String, DomainError>;

    /// A group's page: members and grants.
    async fn group_page(&self, staff: &GlobalStaff, id: &str) -> Result<GroupPage, DomainError>;

    /// Rename and describe a group.
    async fn rename_group(
        &self,
        staff: &GlobalStaff,
        id: &str,
        name: &str,
        description: &str,
    ) -> Result<(), DomainError>;

    /// Delete a group with its memberships and grants.
    async fn delete_group(&self, staff: &GlobalStaff, id: &str) -> Result<(), DomainError>;

    /// Add a member by username or email.
    async fn add_group_member(
        &self,
        staff: &GlobalStaff,
        id: &str,
        identifier: &str,
    ) -> Result<(), DomainError>;

    /// Remove a member.
    async fn remove_group_member(
        &self,
        staff: &GlobalStaff,
        id: &str,
        username: &str,
    ) -> Result<(), DomainError>;

    /// Every source of a user's access to a course or library (console).
    async fn explain_access(
        &self,
        staff: &GlobalStaff,
        identifier: &str,
        target: &str,
    ) -> Result<AccessExplanation, DomainError>;

    /// Org-wide grants (course roles and library levels), optionally for one org.
    async fn org_grants(&self, staff: &GlobalStaff, org: &str) -> Result<Vec<OrgGrant>, DomainError>;

    /// Give an org-wide course role (`instructor`/`staff`/`data_researcher`, users) or library level
    /// (`admin`/`author`/`read`, users or groups).
    async fn grant_org(
        &self,
        staff: &GlobalStaff,
        grant: &OrgGrantRequest,
    ) -> Result<TeamChange, DomainError>;

    /// Take an org-wide grant away.
    async fn revoke_org(
        &self,
        staff: &GlobalStaff,
        grant: &OrgGrantRequest,
    ) -> Result<TeamChange, DomainError>;
}

/// A file the server answers with (CSV downloads, signatory images).
#[derive(Debug, Clone)]
pub struct Download {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Credentials and learner records: the learner's records, sharing and pathways; the console's
/// certificate administration; the LMS-facing service API (award, revoke, grades).
#[async_trait::async_trait]
pub trait Records: Send + Sync {
    /// "My records": programs with at least one earned course certificate.
    async fn my_records(&self, me: &Me) -> Result<RecordsList, DomainError>;

    /// Any learner's records, read only (staff).
    async fn learner_records(&self, staff: &GlobalStaff, username: &str) -> Result<RecordsList, DomainError>;

    /// The signed-in learner's record of one program (with sharing, pathways and history).
    async fn my_program_record(&self, me: &Me, program_id: &str) -> Result<ProgramRecord, DomainError>;

    /// A learner's record of one program, read only (staff).
    async fn learner_program_record(
        &self,
        staff: &GlobalStaff,
        username: &str,
        program_id: &str,
    ) -> Result<ProgramRecord, DomainError>;

    /// Create the public link (or change its expiry and email switch when it exists).
    async fn share_record(
        &self,
        me: &Me,
        program_id: &str,
        expires_at: Option<i64>,
        show_email: bool,
    ) -> Result<ShareInfo, DomainError>;

    /// End the public link; sharing again makes a new one.
    async fn unshare_record(&self, me: &Me, program_id: &str) -> Result<(), DomainError>;

    /// The public page of a shared record (counts a view; rate-limited per address).
    async fn public_record(
        &self,
        public: &Public,
        share_id: &str,
        client: &ClientMeta,
    ) -> Result<ProgramRecord, DomainError>;

    /// The CSV of a shared record (counts a download; rate-limited per address).
    async fn public_record_csv(
        &self,
        public: &Public,
        share_id: &str,
        client: &ClientMeta,
    ) -> Result<Download, DomainError>;

    /// The CSV of the learner's own record.
    async fn my_record_csv(&self, me: &Me, program_id: &str) -> Result<Download, DomainError>;

    /// Mail the pathway organisation the record and CSV links (sharing the record if needed).
    async fn send_to_pathway(&self, me: &Me, program_id: &str, pathway_id: &str) -> Result<(), DomainError>;

    /// A signatory's image (public: certificates show it).
    async fn signatory_image(&self, public: &Public, id: &str) -> Result<Download, DomainError>;

    /// The console's credentials page.
    async fn credentials_console(&self, staff: &GlobalStaff) -> Result<CredentialsConsole, DomainError>;

    /// Change the site configuration (console).
    async fn update_site(&self, staff: &GlobalStaff, site: SiteConfig) -> Result<(), DomainError>;

    /// Create or update a site by domain (`registrar create-or-update-site`); true if created.
    async fn create_or_update_site(&self, system: &System, site: SiteConfig) -> Result<bool, DomainError>;

    /// Add a signatory with its image (validated by content).
    async fn create_signatory(
        &self,
        staff: &GlobalStaff,
        row: SignatoryRow,
        image: Vec<u8>,
    ) -> Result<String, DomainError>;

    /// Create or update a program (id empty: create) with its organisations and course runs.
    async fn save_program(&self, staff: &GlobalStaff, program: ProgramRow) -> Result<String, DomainError>;

    /// Create or update a course certificate configuration (unique per site, course run, type).
    async fn save_course_certificate(
        &self,
        staff: &GlobalStaff,
        row: CourseCertificateRow,
    ) -> Result<String, DomainError>;

    /// Create or update a program certificate configuration (at least one signatory).
    async fn save_program_certificate(
        &self,
        staff: &GlobalStaff,
        row: ProgramCertificateRow,
    ) -> Result<String, DomainError>;

    /// Create or update a pathway.
    async fn save_pathway(&self, staff: &GlobalStaff, row: PathwayRow) -> Result<String, DomainError>;

    /// A learner's credentials (console and service API).
    async fn credentials_of(
        &self,
        staff: &GlobalStaff,
        username: &str,
    ) -> Result<Vec<CredentialOut>, DomainError>;

    /// The signed-in learner's own credentials.
    async fn my_credentials(&self, me: &Me) -> Result<Vec<CredentialOut>, DomainError>;

    /// One credential: staff any, a learner their own (others are 404).
    async fn credential(&self, me: &Me, uuid: &str) -> Result<CredentialOut, DomainError>;

    /// Award or revoke (update-or-create; the same request twice is one effect); true if created.
    async fn issue_credential(
        &self,
        staff: &GlobalStaff,
        request: CredentialRequest,
    ) -> Result<(CredentialOut, bool), DomainError>;

    /// Change a credential's status (`awarded` / `revoked`); revoking keeps the row.
    async fn set_credential_status(
        &self,
        staff: &GlobalStaff,
        uuid: &str,
        status: &str,
    ) -> Result<CredentialOut, DomainError>;

    /// Upsert grades, each judged alone (stale, invalid, unknown learner or run: that item only).
    async fn push_grades(
        &self,
        staff: &GlobalStaff,
        grades: Vec<GradeRequest>,
    ) -> Result<Vec<ItemResult>, DomainError>;
}

/// A query of the service API's retirement queue (`GET accounts/retirement_queue/`).
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    pub cool_off_days: i64,
    pub states: Vec<String>,
    pub limit: Option<i64>,
}

/// Account deletion (the retirement pipeline): the learner's side, the console's and the service
/// API's (Open edX's retirement endpoints, for external drivers).
#[async_trait::async_trait]
pub trait Retirement: Send + Sync {
    /// The username allowed to drive retirements through the service API.
    fn retirement_service_username(&self) -> String;

    /// `POST /oauth2/access_token`, client credentials grant: a bearer token for the client's user
    /// and its lifetime in seconds.
    async fn client_credentials_token(
        &self,
        public: &Public,
        client_id: &str,
        client_secret: &str,
        client: &ClientMeta,
    ) -> Result<(String, i64), DomainError>;

    /// What the "Delete my account" section shows.
    async fn deletion_info(&self, me: &Me) -> Result<DeletionInfo, DomainError>;

    /// Confirm with the password: queue the deletion, deactivate, end every session and token, mail
    /// a cancel link. `RETIREMENT_PENDING` if one is already queued.
    async fn request_deletion(
        &self,
        me: &Me,
        password: &str,
        client: &ClientMeta,
    ) -> Result<DeletionQueued, DomainError>;

    /// For an account without a password: mail a link that confirms the deletion (valid an hour);
    /// returns the address it went to.
    async fn request_deletion_link(&self, me: &Me) -> Result<String, DomainError>;

    /// What a mailed confirmation link would delete (the token is the credential).
    async fn confirm_link_info(&self, public: &Public, token: &str) -> Result<DeletionInfo, DomainError>;

    /// Confirm the deletion through the mailed link: as `request_deletion` after a password.
    async fn confirm_deletion_by_link(
        &self,
        public: &Public,
        token: &str,
    ) -> Result<DeletionQueued, DomainError>;

    /// What a cancel link is about (the token is the credential).
    async fn cancel_link_info(&self, public: &Public, token: &str)
        -> Result<CancelDeletionPage, DomainError>;

    /// Cancel through the mailed link, during the cool-off: the account is active again.
    async fn cancel_by_link(&self, public: &Public, token: &str) -> Result<String, DomainError>;

    /// "Download my data": everything held about the signed-in user, as JSON.
    async fn export_my_data(&self, me: &Me) -> Result<String, DomainError>;

    /// The console's dashboard: states with counts, requests per day.
    async fn retirement_dashboard(&self, staff: &GlobalStaff) -> Result<RetirementDashboard, DomainError>;

    /// Retirements by original or retired username/email, optionally in one state (newest first).
    async fn retirements(
        &self,
        staff: &GlobalStaff,
        search: &str,
        state: Option<String>,
    ) -> Result<Vec<RetirementSummary>, DomainError>;

    /// One retirement with its events.
    async fn retirement_detail(&self, staff: &GlobalStaff, id: &str)
        -> Result<RetirementDetail, DomainError>;

    /// Resume a failed or stuck retirement from `to` (PENDING or a stage's _COMPLETE); audited.
    async fn retirement_resume(
        &self,
        staff: &GlobalStaff,
        id: &str,
        to: &str,
        reason: &str,
    ) -> Result<(), DomainError>;

    /// Stop a retirement for good; audited.
    async fn retirement_abort(&self, staff: &GlobalStaff, id: &str, reason: &str) -> Result<(), DomainError>;

    /// Cancel a retirement still in its cool-off: the account is active again; audited.
    async fn retirement_cancel(&self, staff: &GlobalStaff, id: &str, reason: &str)
        -> Result<(), DomainError>;

    /// Queue an account for deletion on a learner's behalf (no cool-off mail sent to a typo).
    async fn retirement_request_for(
        &self,
        staff: &GlobalStaff,
        identifier: &str,
        reason: &str,
    ) -> Result<RetirementSummary, DomainError>;

    /// The console's outbox: the newest messages, optionally to one address.
    async fn outbox(&self, staff: &GlobalStaff, to: &str) -> Result<Vec<OutboxMail>, DomainError>;

    /// Service API: `GET accounts/retirement_queue/`.
    async fn service_queue(
        &self,
        worker: &RetirementWorker,
        query: QueueQuery,
    ) -> Result<Vec<ServiceRetirement>, DomainError>;

    /// Service API: `GET accounts/retirements_by_status_and_date/` (`[from, to)` epoch ms).
    async fn service_by_status_and_date(
        &self,
        worker: &RetirementWorker,
        state: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<ServiceRetirement>, DomainError>;

    /// Service API: `GET accounts/{username}/retirement_status/` (original or retired username).
    async fn service_status(
        &self,
        worker: &RetirementWorker,
        username: &str,
    ) -> Result<ServiceRetirement, DomainError>;

    /// Service API: `PATCH accounts/update_retirement_status/`.
    async fn service_update_state(
        &self,
        worker: &RetirementWorker,
        username: &str,
        new_state: &str,
        response: &str,
        force: bool,
    ) -> Result<(), DomainError>;

    /// Service API: run one of Registrar's stages for a learner in that stage's working state
    /// (`retire_forum`, `unenroll`, `retire_misc`, `retire`).
    async fn service_run_stage(
        &self,
        worker: &RetirementWorker,
        username: &str,
        stage: &str,
    ) -> Result<(), DomainError>;

    /// Service API: `POST accounts/retirement_cleanup/` (every name must be COMPLETE).
    async fn service_cleanup(
        &self,
        worker: &RetirementWorker,
        usernames: &[String],
    ) -> Result<(), DomainError>;

    /// Service API: `POST accounts/cancel_retirement/`.
    async fn service_cancel(&self, worker: &RetirementWorker, retirement_id: &str)
        -> Result<(), DomainError>;
}

/// The admin console's use cases: users, activation, agreements, invitations, role assignments,
/// group permissions, the audit log, jobs and mail, bulk actions. Each takes the actor the Gate
/// minted for the section's permission (or a management command's system principal).
#[async_trait::async_trait]
pub trait Console: Send + Sync {
    /// The console permissions a user holds through their groups (facts for the Gate).
    async fn console_permissions(&self, user_id: &UserId) -> Result<Vec<Permission>, DomainError>;

    /// Search accounts (prefix of username, email or name; any case), filtered, paged.
    async fn search_users(
        &self,
        actor: &ConsoleActor<'_>,
        query: &UserQuery,
    ) -> Result<UserList, DomainError>;

    /// Everything about one account (by username or email).
    async fn user_detail(
        &self,
        actor: &ConsoleActor<'_>,
        identifier: &str,
    ) -> Result<UserDetail, DomainError>;

    /// Create an account (active, no password until it is chosen through the mailed link).
    async fn create_account(
        &self,
        actor: &ConsoleActor<'_>,
        account: NewAccount,
    ) -> Result<String, DomainError>;

    /// Change an account's name and email.
    async fn update_profile(
        &self,
        actor: &ConsoleActor<'_>,
        username: &str,
        full_name: &str,
        email: &str,
    ) -> Result<(), DomainError>;

    /// Set the staff and superuser flags (the superuser flag: superusers only; never one's own).
    async fn set_flags(
        &self,
        actor: &ConsoleActor<'_>,
        username: &str,
        is_staff: bool,
        is_superuser: bool,
    ) -> Result<(), DomainError>;

    /// Mail a link to choose a new password (through the outbox).
    async fn send_password_reset(&self, actor: &ConsoleActor<'_>, username: &str) -> Result<(), DomainError>;

    /// End every session of an account; returns how many.
    async fn end_sessions(&self, actor: &ConsoleActor<'_>, username: &str) -> Result<u64, DomainError>;

    /// Deactivate in one transaction: sessions and tokens end, staff and superuser flags and every
    /// grant and group membership go, signatures stay, sign-in is refused until reactivated.
    async fn deactivate(
        &self,
        actor: &ConsoleActor<'_>,
        username: &str,
        reason: &str,
    ) -> Result<(), DomainError>;

    /// Set a deactivated (or new) account up again: invited, active once its agreements are signed;
    /// `bypass_agreements` activates it at once (audited as such).
    async fn reactivate(
        &self,
        actor: &ConsoleActor<'_>,
        username: &str,
        bypass_agreements: bool,
    ) -> Result<String, DomainError>;

    /// Preview (nothing changes) or run a bulk action on many accounts; one line per account.
    async fn bulk_users(
        &self,
        actor: &ConsoleActor<'_>,
        action: &str,
        usernames: &[String],
        reason: &str,
        run: bool,
    ) -> Result<BulkOutcome, DomainError>;

    /// Every agreement at its current version, with how many signed it.
    async fn agreements(&self, actor: &ConsoleActor<'_>) -> Result<Vec<AgreementView>, DomainError>;

    /// Publish an agreement: a new one (`id` empty), or a new version of one (everyone signs again
    /// when it is required). Returns its id.
    async fn publish_agreement(
        &self,
        actor: &ConsoleActor<'_>,
        id: &str,
        title: &str,
        body: &str,
        required: bool,
    ) -> Result<String, DomainError>;

    /// What the signer must sign and has signed.
    async fn my_agreements(&self, signer: &Signer) -> Result<MyAgreements, DomainError>;

    /// Sign the current version of a required agreement (idempotent); an invited account becomes
    /// active with its last one.
    async fn sign_agreement(
        &self,
        signer: &Signer,
        id: &str,
        version: i64,
        client: &ClientMeta,
    ) -> Result<SignResult, DomainError>;

    /// End the session an invited (not yet active) account signed in with.
    async fn end_signer_session(&self, signer: &Signer) -> Result<(), DomainError>;

    /// Invitations, newest first.
    async fn invitations(&self, actor: &ConsoleActor<'_>) -> Result<Vec<InvitationLine>, DomainError>;

    /// Invite an email (an existing account that is not set up is set up at once). Returns its id.
    async fn invite(
        &self,
        actor: &ConsoleActor<'_>,
        request: InvitationRequest,
    ) -> Result<String, DomainError>;

    /// Revoke an open invitation.
    async fn revoke_invitation(&self, actor: &ConsoleActor<'_>, id: &str) -> Result<(), DomainError>;

    /// Role assignments across scopes, optionally those of one role or holder (prefix), newest first.
    async fn role_assignments(
        &self,
        actor: &ConsoleActor<'_>,
        search: &str,
    ) -> Result<Vec<RoleAssignmentLine>, DomainError>;

    /// Give a role at a scope (`global`, an org key, a course key) to an account found by email or
    /// username; refuses a duplicate by name.
    async fn grant_role(
        &self,
        actor: &ConsoleActor<'_>,
        identifier: &str,
        role: &str,
        scope: &str,
        expires_at: Option<i64>,
    ) -> Result<(), DomainError>;

    /// Take a role at a scope away.
    async fn revoke_role(
        &self,
        actor: &ConsoleActor<'_>,
        identifier: &str,
        role: &str,
        scope: &str,
    ) -> Result<(), DomainError>;

    /// Set the console permissions a group gives (superusers only).
    async fn set_group_permissions(
        &self,
        actor: &ConsoleActor<'_>,
        group_id: &str,
        codenames: &[String],
    ) -> Result<(), DomainError>;

    /// Search the audit log, newest first.
    async fn audit(
        &self,
        actor: &ConsoleActor<'_>,
        query: &AuditQuery,
        limit: u32,
    ) -> Result<AuditPage, DomainError>;

    /// The audit log entries a search finds, as CSV (every page).
    async fn audit_csv(&self, actor: &ConsoleActor<'_>, query: &AuditQuery) -> Result<Download, DomainError>;

    /// Background jobs, newest first (`state` filters when not empty).
    async fn jobs(&self, actor: &ConsoleActor<'_>, state: &str) -> Result<Vec<JobLine>, DomainError>;

    /// Queue a failed job again.
    async fn retry_job(&self, actor: &ConsoleActor<'_>, id: &str) -> Result<(), DomainError>;

    /// Send a failed (or pending) message again now.
    async fn retry_mail(&self, actor: &ConsoleActor<'_>, id: &str) -> Result<(), DomainError>;

    /// The password-reset page: whose link it is (the link is checked, nothing changes).
    async fn reset_link_info(&self, public: &Public, token: &str) -> Result<String, DomainError>;

    /// Choose a new password with a mailed link (single use: the link dies with the old password).
    async fn reset_password(
        &self,
        public: &Public,
        token: &str,
        password: &str,
        confirm: &str,
    ) -> Result<(), DomainError>;
}

#[async_trait::async_trait]
pub trait Backend: Sharing + Retirement + Records + Console + Send + Sync + 'static {
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
