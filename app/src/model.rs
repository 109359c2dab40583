//! Data shapes that cross the wire between server functions and pages.
//!
//! Plain serde structs shared by the server and the browser; no behaviour beyond formatting helpers.

pub mod console;
pub mod records;

use serde::{Deserialize, Serialize};

/// The signed-in user as the page header and navigation need them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    /// Courses whose instructor dashboard the user may open, with display names.
    pub dashboards: Vec<CourseLink>,
    /// Console sections the user may open (`users`, `audit`, …; `registrar::console::Section`).
    pub console: Vec<String>,
    /// Whether a required agreement's current version is not signed yet (a new version was
    /// published).
    pub agreements_due: bool,
    /// Set up but not active yet: signed in only to sign the required agreements.
    pub awaiting: bool,
}

/// A link to a course: its key and display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseLink {
    pub key: String,
    pub name: String,
}

/// A course as listed for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseSummary {
    pub key: String,
    pub org: String,
    pub name: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub active_enrollments: i64,
}

/// One page of a list, with the total for the pager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    /// Number of pages (at least 1).
    #[must_use]
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from(((self.total + per - 1) / per).max(1)).unwrap_or(u32::MAX)
    }
}

/// A course overview for its team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseOverview {
    pub course: CourseSummary,
    /// Whether the viewer may enroll and unenroll learners (shows the Membership controls).
    pub can_enroll: bool,
    /// Whether the viewer may change who holds team roles (Admins).
    pub can_manage_team: bool,
    /// Whether the viewer may manage discussion roles (Admins and Discussion Admins).
    pub can_manage_discussions: bool,
    /// Whether the viewer may manage Discussion Admins (course Admins only).
    pub can_manage_discussion_admins: bool,
    /// Whether the viewer may open the Studio course team page (Admins and Staff).
    pub can_view_team: bool,
    pub enrollment_start: Option<i64>,
    pub enrollment_end: Option<i64>,
    pub team: Vec<TeamMember>,
}

/// Someone holding a course-team role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub username: String,
    pub full_name: String,
    pub email: String,
    #[serde(with = "registrar::wire::stored")]
    pub role: registrar::roles::Role,
    pub role_label: String,
    /// When the role was granted (epoch ms) and by whom.
    pub since: i64,
    pub granted_by: Option<String>,
    /// When the role ends (epoch ms), if ever.
    pub expires_at: Option<i64>,
}

/// Access someone has without being on a team's own list: org-wide grants and global staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InheritedAccess {
    pub username: String,
    pub full_name: String,
    /// The access it gives ("Admin", "Author", …).
    pub access: String,
    /// Where it comes from ("Org Admin of DemoX", "Global staff").
    pub source: String,
    pub expires_at: Option<i64>,
}

/// A pending Studio team invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamInvitation {
    pub id: String,
    pub email: String,
    pub role_label: String,
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub expired: bool,
}

/// One line of a team's history (from the audit log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub actor: String,
    /// What happened, in words ("gave Staff to alice").
    pub summary: String,
    pub reason: Option<String>,
}

/// The Studio course team page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudioTeam {
    pub course: CourseLink,
    /// Course Admins and Staff, Admins first.
    pub members: Vec<TeamMember>,
    pub inherited: Vec<InheritedAccess>,
    /// How many global staff (listed up to a few in `inherited`).
    pub global_staff: i64,
    pub invitations: Vec<TeamInvitation>,
    pub history: Vec<HistoryEntry>,
    /// Whether the viewer may change the team (Admins).
    pub can_manage: bool,
    /// The viewer's username (to mark "You" and offer "Leave the team").
    pub viewer: String,
}

/// What a Studio team change did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamChange {
    pub message: String,
}

/// The answer to "explain access": every source of a user's access to a course or library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessExplanation {
    pub username: String,
    pub full_name: String,
    pub is_active: bool,
    /// What was asked about (a course or library key).
    pub target: String,
    pub sources: Vec<registrar::authz::AccessSource>,
    /// Everything the user may do there, all sources together.
    pub allowed: Vec<String>,
}

/// A library as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibrarySummary {
    pub key: String,
    pub org: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub allow_public_read: bool,
    pub allow_public_learning: bool,
    /// The viewer's own level, if a grant gives them one (written as its label).
    #[serde(default, with = "registrar::wire::level_label_opt")]
    pub my_level: Option<registrar::library::AccessLevel>,
}

/// The library list page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryList {
    pub libraries: Vec<LibrarySummary>,
    /// Orgs the viewer may create libraries in (empty: no create form).
    pub can_create_in: Vec<String>,
}

/// One row of a library's team: a user or a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryMember {
    /// `user` or `group`.
    pub kind: String,
    /// Username or group name.
    pub name: String,
    /// Full name, or the group's member count in words.
    pub detail: String,
    pub email: Option<String>,
    /// Link to the group's page (groups only).
    pub group_id: Option<String>,
    #[serde(with = "registrar::wire::stored")]
    pub level: registrar::library::AccessLevel,
    pub level_label: String,
    pub since: i64,
    pub granted_by: Option<String>,
    pub expires_at: Option<i64>,
}

/// The library page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryPage {
    pub library: LibrarySummary,
    pub created_at: i64,
    pub can_edit: bool,
    pub can_manage: bool,
    /// Whether the viewer sees the team (any grant; not public read alone). When false, `members`,
    /// `inherited` and `history` are empty.
    pub can_view_team: bool,
    pub members: Vec<LibraryMember>,
    pub inherited: Vec<InheritedAccess>,
    /// How many global staff (listed up to a few in `inherited`).
    pub global_staff: i64,
    pub history: Vec<HistoryEntry>,
    pub viewer: String,
}

/// A group as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub members: i64,
    pub created_at: i64,
}

/// A group's member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMember {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub since: i64,
    pub added_by: Option<String>,
}

/// A grant given to a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupGrant {
    /// A library key or `org:<org>` (every library of the org).
    pub target: String,
    pub level_label: String,
    pub expires_at: Option<i64>,
}

/// A group's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPage {
    pub group: GroupSummary,
    pub members: Vec<GroupMember>,
    pub grants: Vec<GroupGrant>,
    /// The console permissions the group gives its members (codenames, `view_users`, …).
    pub permissions: Vec<String>,
}

/// An org-wide grant as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgGrant {
    pub org: String,
    /// `course` (a course role in every course of the org) or `library` (a level on every library).
    pub kind: String,
    /// Username, or `group:<name>`.
    pub holder: String,
    /// The stored role or level, and how it reads.
    pub role: String,
    pub role_label: String,
    pub since: i64,
    pub granted_by: Option<String>,
    pub expires_at: Option<i64>,
}

/// The account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub date_joined: i64,
    pub last_login: Option<i64>,
    pub enrollments: Vec<CourseLink>,
    /// Its live sessions, newest use first; the one the page was asked with is marked.
    pub sessions: Vec<MySession>,
    /// Whether the account proved it controls `email` (followed the mailed link).
    pub email_confirmed: bool,
    /// Whether it has a password (one it can change by giving it).
    pub has_password: bool,
    /// The newest sign-ins and failed attempts, newest first.
    pub recent_sign_ins: Vec<SignInLine>,
    /// Whether signing in asks for a code from an authenticator app too.
    pub second_factor: bool,
    /// Recovery codes not used yet.
    pub recovery_codes_left: i64,
}

/// Setting up an authenticator app: its secret as text (in groups of four) and as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorSetup {
    pub secret: String,
    /// The `otpauth://` URI the QR code carries.
    pub uri: String,
    /// The QR code, as SVG markup made by the server.
    pub qr_svg: String,
    /// One-time recovery codes, shown this once; they work once the app is confirmed.
    pub recovery_codes: Vec<String>,
}

/// One attempt to sign in to an account, as its owner and the console see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInLine {
    pub at: i64,
    pub ip: String,
    /// The browser and system, in words.
    pub device: String,
    /// `password` or `unlock link`.
    pub method: String,
    pub success: bool,
}

/// One of the signed-in account's live sessions, as My account lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MySession {
    /// Names the session to end it (not its secret).
    pub handle: String,
    /// The browser and system it was opened from, in words ("Firefox 128 on Linux").
    pub device: String,
    pub ip: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The session the page was asked with.
    pub current: bool,
}

/// What `registrar manage-user` asks for: create or update one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManageUser {
    pub username: String,
    pub email: String,
    pub full_name: Option<String>,
    pub is_staff: bool,
    pub is_superuser: bool,
    /// Set this password (checked against the policy).
    pub password: Option<String>,
    /// Make the password unusable (sign-in only through other means).
    pub unusable_password: bool,
    /// When given, the account's groups become exactly these (by name; each must exist).
    pub groups: Option<Vec<String>>,
}

/// What `manage-user` did, line by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManageUserReport {
    pub created: bool,
    pub changes: Vec<String>,
}

/// Enroll or unenroll, for a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BatchAction {
    Enroll,
    Unenroll,
    AddBetaTesters,
    RemoveBetaTesters,
}

impl BatchAction {
    /// Parse the form value `enroll` / `unenroll`.
    pub fn parse(s: &str) -> Result<Self, registrar::DomainError> {
        match s.trim() {
            "enroll" => Ok(Self::Enroll),
            "unenroll" => Ok(Self::Unenroll),
            other => Err(registrar::DomainError::with_message(
                registrar::ErrorCode::InputInvalid,
                format!("The action must be enroll or unenroll, not '{other}'."),
            )
            .on_field("action")),
        }
    }
}

/// A batch enrollment request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRequest {
    pub identifiers: String,
    pub action: BatchAction,
    pub auto_enroll: bool,
    pub notify: bool,
    pub reason: String,
}

/// One identifier's outcome, in the anchor's shape (`identifier, before, after`) plus its group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRow {
    pub identifier: String,
    pub category: registrar::enrollment::Category,
    pub before: Option<registrar::enrollment::EnrollmentState>,
    pub after: Option<registrar::enrollment::EnrollmentState>,
    /// Why the row could not be processed (invalid identifiers).
    pub error: Option<String>,
}

/// The outcome of a batch, row by row in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchReport {
    /// Where the report is kept (`/courses/{course}?tab=membership&batch={id}` shows it again).
    pub id: String,
    pub course: String,
    pub action: BatchAction,
    pub rows: Vec<BatchRow>,
    /// Set while a background batch is queued or running, or when it failed; `None` once finished.
    #[serde(default)]
    pub progress: Option<BatchProgress>,
}

/// Where a background batch stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchProgress {
    /// `queued`, `running` or `failed`.
    pub state: String,
    pub done: i64,
    pub total: i64,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// Which rows of a course's enrollment list to show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RosterStatus {
    /// Everyone enrolled (active or not) and everyone invited.
    #[default]
    All,
    Active,
    Inactive,
    Invited,
}

impl RosterStatus {
    pub const ALL: [RosterStatus; 4] = [Self::All, Self::Active, Self::Inactive, Self::Invited];

    /// The query-string value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Invited => "invited",
        }
    }

    /// What the filter shows, for people.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::All => "Everyone",
            Self::Active => "Enrolled",
            Self::Inactive => "Unenrolled",
            Self::Invited => "Invited, no account yet",
        }
    }

    /// Parse the query-string value (empty = all).
    pub fn parse(s: &str) -> Result<Self, registrar::DomainError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(Self::All);
        }
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| {
            registrar::DomainError::with_message(
                registrar::ErrorCode::InputInvalid,
                format!("The status filter must be all, active, inactive or invited, not '{s}'."),
            )
            .on_field("status")
        })
    }
}

/// A filter over a course's enrollment list (the roster).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterQuery {
    /// The start of a username, email or full name; empty = everyone.
    pub search: String,
    /// Only this mode; empty = any.
    pub mode: String,
    pub status: RosterStatus,
    pub page: u32,
}

/// One row of the roster: an enrollment or an unused invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRow {
    pub username: Option<String>,
    pub full_name: Option<String>,
    pub email: String,
    pub mode: Option<String>,
    pub status: RosterStatus,
    /// For invitations: enrolled automatically when they register.
    pub auto_enroll: bool,
    /// When they enrolled or were invited (epoch ms).
    pub since: i64,
}

/// A message in the console's outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMail {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// The "Delete my account" section: what the learner needs to decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionInfo {
    pub username: String,
    pub email: String,
    /// Whether the account has a password to confirm with.
    pub has_password: bool,
    /// Days between the request and the deletion, during which it can be cancelled.
    pub cool_off_days: u32,
}

/// A deletion request just queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionQueued {
    /// When the account is deleted unless cancelled (epoch ms).
    pub due_at: i64,
    /// Where the mail with the cancel link went.
    pub email: String,
}

/// What a cancel link shows before the learner confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelDeletionPage {
    pub username: String,
    pub due_at: i64,
    /// False once the cool-off is over or the retirement has started.
    pub can_cancel: bool,
    pub state: String,
}

/// One retirement in the console's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetirementSummary {
    pub id: String,
    pub original_username: String,
    pub original_email: String,
    pub retired_username: String,
    pub current_state: String,
    pub created_at: i64,
    pub due_at: i64,
    pub modified_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// Who works on it now (`worker:…` or the service user), if anyone.
    pub leased_by: Option<String>,
}

/// One state change of a retirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetirementEvent {
    pub at: i64,
    pub from_state: Option<String>,
    pub to_state: String,
    pub message: String,
    pub actor: String,
}

/// A retirement with its history and what an admin may do with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetirementDetail {
    pub summary: RetirementSummary,
    pub events: Vec<RetirementEvent>,
    /// States an admin may resume it from (empty unless it failed or is stuck).
    pub resume_targets: Vec<String>,
    pub can_abort: bool,
    /// Still in the cool-off: can be cancelled.
    pub can_cancel: bool,
    /// Who asked (the kept request): `learner`, `admin` or `service`.
    pub requested_by: Option<String>,
}

/// A configured state, with its step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetirementStateInfo {
    pub name: String,
    pub step: i64,
    pub dead_end: bool,
    pub required: bool,
    /// Learners in it now.
    pub learners: i64,
}

/// The console's retirement dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetirementDashboard {
    pub states: Vec<RetirementStateInfo>,
    /// Requests per day, the last 30 days (day `YYYY-MM-DD`, count), oldest first.
    pub per_day: Vec<(String, i64)>,
    pub total: i64,
    pub cool_off_days: u32,
}

/// `populate-retirement-states`' report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateSync {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub remaining: Vec<String>,
    /// The states afterwards (or as they would be, on a dry run), with steps.
    pub states: Vec<(String, i64)>,
    pub dry_run: bool,
}

/// A retirement as Open edX's service API serializes it (`UserRetirementStatusSerializer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRetirement {
    pub id: String,
    pub user: ServiceUser,
    pub current_state: ServiceState,
    pub last_state: ServiceState,
    pub created: String,
    pub modified: String,
    pub original_username: String,
    pub original_email: String,
    pub original_name: String,
    pub retired_username: String,
    pub retired_email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceUser {
    pub id: String,
    pub username: String,
    pub email: String,
    pub profile: ServiceProfile,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceProfile {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceState {
    pub id: i64,
    pub state_name: String,
    pub state_execution_order: i64,
}

/// Format epoch milliseconds as `YYYY-MM-DD` (UTC), the same on server and browser (the calendar is
/// `time`'s, through [`registrar::roles::civil_date`]).
#[must_use]
pub fn format_date(epoch_ms: i64) -> String {
    let (year, month, day) = registrar::roles::civil_date(epoch_ms);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_in_utc() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(1_795_305_600_000), "2026-11-22");
        assert_eq!(format_date(951_782_400_000), "2000-02-29");
        assert_eq!(format_date(1_709_164_800_000), "2024-02-29");
        assert_eq!(format_date(-1), "1969-12-31", "the last millisecond before the epoch");
        assert_eq!(format_date(253_402_214_400_000), "9999-12-31");
        assert_eq!(format_date(253_402_300_800_000), "10000-01-01", "an end date after 9999-12-31");
    }

    #[test]
    fn pages_round_up() {
        let p = Page::<u8> { items: vec![], total: 51, page: 1, per_page: 25 };
        assert_eq!(p.pages(), 3);
        let empty = Page::<u8> { items: vec![], total: 0, page: 1, per_page: 25 };
        assert_eq!(empty.pages(), 1);
    }
}

/// Who a library grant is for, as a form names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Holder {
    /// A username or email.
    User(String),
    /// A group name.
    Group(String),
}

impl Holder {
    /// From a form's `kind` (`user` or `group`) and name.
    pub fn parse(kind: &str, name: &str) -> Result<Self, registrar::DomainError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(registrar::DomainError::with_message(
                registrar::ErrorCode::InputInvalid,
                "Enter a username, an email or a group name.",
            )
            .on_field("name"));
        }
        match kind.trim() {
            "" | "user" => Ok(Self::User(name.to_owned())),
            "group" => Ok(Self::Group(name.to_owned())),
            other => Err(registrar::DomainError::with_message(
                registrar::ErrorCode::InputInvalid,
                format!("'{other}' is neither user nor group."),
            )
            .on_field("kind")),
        }
    }

    /// How it reads in messages: the username, or "group <name>".
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::User(name) => name.clone(),
            Self::Group(name) => format!("group {name}"),
        }
    }
}

/// An org-wide grant to give or take away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgGrantRequest {
    pub org: String,
    /// `course` or `library`.
    pub kind: String,
    pub holder: Holder,
    /// A course role (`instructor`, `staff`, `data_researcher`) or library level.
    pub role: String,
    pub expires_at: Option<i64>,
}
