//! Data shapes of the admin console's users, activation, agreements, invitations, audit log, jobs
//! and bulk actions, shared by server functions, pages and the server's use cases.

use serde::{Deserialize, Serialize};

/// The users list's filter.
pub const USER_FILTERS: [(&str, &str); 8] = [
    ("", "Everyone"),
    ("active", "Active"),
    ("staff", "Staff"),
    ("superuser", "Superusers"),
    ("invited", "Invited, not active yet"),
    ("new", "New, not set up"),
    ("deactivated", "Deactivated"),
    ("retired", "Deleted or being deleted"),
];

/// Rows per page in the console's lists.
pub const CONSOLE_PAGE_SIZE: u32 = 50;

/// A users search: a prefix of the username, email or name (any case), a filter, a page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserQuery {
    pub q: String,
    pub filter: String,
    pub page: u32,
}

/// One account in the users list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserListRow {
    pub id: String,
    pub username: String,
    pub email: String,
    pub full_name: String,
    /// `new`, `invited`, `active`, `deactivated`.
    #[serde(with = "registrar::wire::stored")]
    pub state: registrar::activation::AccountState,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub date_joined: i64,
    pub last_login: Option<i64>,
    /// Whether the account proved it controls its address.
    pub email_verified: bool,
}

/// A page of the users list. `total` counts at most [`UserList::COUNT_CAP`] matches (`capped` says
/// there are more), so the count never costs more than the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub rows: Vec<UserListRow>,
    pub total: i64,
    pub capped: bool,
    pub page: u32,
    pub per_page: u32,
}

impl UserList {
    pub const COUNT_CAP: i64 = 10_000;
}

/// A role assignment as the user page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantLine {
    pub id: String,
    pub role: String,
    pub role_label: String,
    /// `global`, an org key or a course key.
    pub scope: String,
    pub expires_at: Option<i64>,
}

/// A session as the user page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLine {
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: String,
    /// The browser and system, in words.
    pub device: String,
}

/// An API token as the user page lists it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenLine {
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A signature as the user page and the agreements page list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureLine {
    pub agreement_id: String,
    pub title: String,
    pub version: i64,
    pub signed_at: i64,
    /// Whether this is the agreement's current version.
    pub current: bool,
}

/// An enrollment as the user page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentLine {
    pub course_key: String,
    pub course_name: String,
    pub mode: String,
    pub is_active: bool,
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub scope: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
}

/// Everything the console shows about one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub user: UserListRow,
    pub enrollments: Vec<EnrollmentLine>,
    pub grants: Vec<GrantLine>,
    pub groups: Vec<String>,
    pub sessions: Vec<SessionLine>,
    pub tokens: Vec<TokenLine>,
    pub signatures: Vec<SignatureLine>,
    /// Titles of required agreements whose current version is not signed.
    pub unsigned: Vec<String>,
    /// The account's deletion state, if a deletion was ever requested.
    pub retirement: Option<String>,
    /// Programs in the learner's records (the records page has the detail).
    pub record_programs: i64,
    /// The newest audit entries about the account.
    pub audit: Vec<AuditLine>,
    /// Whether the account proved it controls its address.
    pub email_verified: bool,
    /// Whether signing in asks for a code from an authenticator app too.
    pub second_factor: bool,
    /// The newest sign-ins and failed attempts, newest first.
    pub recent_sign_ins: Vec<crate::model::SignInLine>,
}

/// A new account from the console.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    /// Mail a link to choose a password (the account has none until then).
    pub send_reset: bool,
}

/// An agreement as the console and the signing page show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementView {
    pub id: String,
    pub title: String,
    pub body: String,
    pub version: i64,
    pub required: bool,
    pub published_at: i64,
    /// Accounts that signed the current version (console only; 0 on the signing page).
    pub signed_current: i64,
}

/// What the signing page shows a user: what to sign, and what they signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAgreements {
    pub username: String,
    /// Whether the account is active already (an invited one becomes active once all are signed).
    pub active: bool,
    pub to_sign: Vec<AgreementView>,
    pub signed: Vec<SignatureLine>,
}

/// What signing did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignResult {
    /// False when that version was signed already (nothing changed).
    pub signed: bool,
    /// True when this signature made the account active.
    pub activated: bool,
    /// Required agreements still to sign.
    pub remaining: usize,
}

/// An invitation as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationLine {
    pub id: String,
    pub email: String,
    pub role_label: Option<String>,
    pub scope: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    /// `open`, `accepted`, `expired` or `revoked`.
    pub status: String,
    /// The account that used it.
    pub username: Option<String>,
}

/// An invitation to send: an email, an optional role (and the org or course it is for), an optional
/// last day (`YYYY-MM-DD`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRequest {
    pub email: String,
    pub role: String,
    pub scope: String,
    pub expires: String,
}

/// An audit log search. Empty fields do not filter; `target` is an id, `type:id`, or a username or
/// email (the account's entries); `from`/`to` are days (`YYYY-MM-DD`, both included).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub actor: String,
    pub target: String,
    pub action: String,
    pub scope: String,
    pub from: String,
    pub to: String,
    /// Show entries older than this id (the next page).
    pub before: Option<i64>,
}

/// One page of an audit log export as CSV; `next` continues it (`None`: the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCsvPage {
    pub bytes: Vec<u8>,
    pub next: Option<i64>,
}

/// A page of the audit log, newest first; `next` continues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditLine>,
    pub next: Option<i64>,
}

/// A background job as the jobs page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobLine {
    pub id: String,
    pub kind: String,
    /// `queued`, `running`, `succeeded`, `failed`.
    pub state: String,
    pub progress_done: i64,
    pub progress_total: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    pub error: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A role assignment as the roles page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignmentLine {
    pub id: String,
    pub username: String,
    pub email: String,
    pub role: String,
    pub role_label: String,
    /// `global`, an org key or a course key.
    pub scope: String,
    pub expires_at: Option<i64>,
    pub created_at: i64,
}

/// The bulk actions on users.
pub const BULK_ACTIONS: [(&str, &str); 4] = [
    ("deactivate", "Deactivate"),
    ("reactivate", "Reactivate"),
    ("end_sessions", "End every session"),
    ("remove_staff", "Remove staff status"),
];

/// One account in a bulk action's preview or report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkLine {
    pub username: String,
    /// What the action does (or did) to this account, in words.
    pub change: String,
    /// Why this account is left alone, if it is.
    pub refused: Option<String>,
}

/// A bulk action's preview (nothing changed yet) or its report (done).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub action: String,
    pub done: bool,
    pub lines: Vec<BulkLine>,
}

impl BulkOutcome {
    /// Accounts the action changes (or changed).
    #[must_use]
    pub fn changing(&self) -> usize {
        self.lines.iter().filter(|l| l.refused.is_none()).count()
    }
}

/// A bulk action's label.
#[must_use]
pub fn bulk_label(action: &str) -> &'static str {
    BULK_ACTIONS.iter().find(|(a, _)| *a == action).map_or("Unknown action", |(_, l)| l)
}

/// The label of an account state, for lists.
#[must_use]
pub fn state_label(state: &str, is_active: bool) -> &'static str {
    match (state, is_active) {
        ("active", true) => "Active",
        ("active", false) => "Sign-in off (deletion)",
        ("invited", _) => "Invited",
        ("new", _) => "New",
        ("deactivated", _) => "Deactivated",
        _ => "Unknown",
    }
}
