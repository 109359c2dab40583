//! Wire shapes of credentials and learner records: the learner's records list and program record
//! (own, staff and public views), sharing, pathways, the console's credentials administration and
//! the LMS-facing service API's bodies.

use serde::{Deserialize, Serialize};

/// The records switch and the words around records, from the site configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsSite {
    pub platform_name: String,
    pub records_enabled: bool,
    pub help_url: String,
}

/// "My records": one program in which the learner earned at least one course certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramSummary {
    pub program_id: String,
    pub title: String,
    pub program_type: String,
    /// The authoring organisations, joined with ", ".
    pub school: String,
    pub completed: bool,
    pub earned_courses: i64,
    pub total_courses: i64,
    /// `retired` programs stay listed (a learner keeps their record).
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsList {
    pub site: RecordsSite,
    /// Whose records these are (the viewer's own, or a learner staff looked up).
    pub username: String,
    pub full_name: String,
    pub programs: Vec<ProgramSummary>,
}

/// One course row of a program record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordCourse {
    pub name: String,
    pub school: String,
    /// The run the row speaks for (the awarded one), e.g. `course-v1:MITx+6.00x+2024_T1`.
    pub course_run: Option<String>,
    pub attempts: u32,
    /// A fraction 0–1.
    pub percent: Option<f64>,
    pub letter: Option<String>,
    pub earned_at: Option<i64>,
}

/// The public link of a record, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareInfo {
    pub id: String,
    /// Absolute URL of the public page.
    pub url: String,
    pub csv_url: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub show_email: bool,
    pub views: i64,
    pub downloads: i64,
    pub last_viewed_at: Option<i64>,
}

/// A pathway the record may be sent to (credit, published, with an email, including the program).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathwayOption {
    pub id: String,
    pub name: String,
    pub org_name: String,
    /// When the record was last sent there, if ever.
    pub last_sent_at: Option<i64>,
}

/// One entry of a record's history (shown to its owner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordEvent {
    pub at: i64,
    /// `shared`, `unshared`, `viewed`, `downloaded`, `sent`.
    pub kind: String,
    pub pathway: Option<String>,
}

/// Which view of a record this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordView {
    Owner,
    Staff,
    Public,
}

/// A program record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramRecord {
    pub view: RecordView,
    pub site: RecordsSite,
    pub program_id: String,
    pub title: String,
    pub program_type: String,
    pub school: String,
    pub completed: bool,
    pub full_name: String,
    pub username: String,
    /// Hidden on the public view unless the owner chose to show it.
    pub email: Option<String>,
    pub last_updated: i64,
    pub courses: Vec<RecordCourse>,
    /// Owner view only.
    pub share: Option<ShareInfo>,
    /// Owner view only.
    pub pathways: Vec<PathwayOption>,
    /// Owner view only.
    pub history: Vec<RecordEvent>,
    /// Public view only: when the link was made.
    pub shared_at: Option<i64>,
}

// ---- Console: credentials administration -------------------------------------------------------

/// The site configuration (one per site), as the console and `create-or-update-site` edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SiteConfig {
    pub domain: String,
    pub name: String,
    pub platform_name: String,
    pub records_enabled: bool,
    pub records_help_url: String,
    pub partner_from_address: String,
    pub lms_url_root: String,
    pub catalog_api_url: String,
    pub theme_name: String,
    pub company_name: String,
    pub homepage_url: String,
    pub tos_url: String,
    pub privacy_policy_url: String,
    pub certificate_help_url: String,
    pub twitter_username: String,
    pub facebook_app_id: String,
    pub enable_facebook_sharing: bool,
    pub enable_linkedin_sharing: bool,
    pub enable_twitter_sharing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatoryRow {
    pub id: String,
    pub name: String,
    pub title: String,
    pub organization_name_override: Option<String>,
    pub image_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramRow {
    pub id: String,
    pub title: String,
    pub program_type: String,
    pub status: String,
    pub orgs: Vec<String>,
    pub courses: Vec<String>,
    pub total_hours_of_effort: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseCertificateRow {
    pub id: String,
    pub course_key: String,
    pub certificate_type: String,
    pub title: Option<String>,
    pub available_at: Option<i64>,
    pub is_active: bool,
    /// Signatory ids, in order.
    pub signatories: Vec<String>,
    pub awarded: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramCertificateRow {
    pub id: String,
    pub program_id: String,
    pub program_title: String,
    pub use_org_name: bool,
    pub include_hours_of_effort: bool,
    pub language: Option<String>,
    pub is_active: bool,
    /// Signatory ids, in order.
    pub signatories: Vec<String>,
    pub awarded: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathwayRow {
    pub id: String,
    pub name: String,
    pub org_name: String,
    pub email: String,
    pub pathway_type: String,
    pub status: String,
    pub programs: Vec<String>,
}

/// Everything the console's credentials page lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialsConsole {
    pub site: SiteConfig,
    pub signatories: Vec<SignatoryRow>,
    pub programs: Vec<ProgramRow>,
    pub course_certificates: Vec<CourseCertificateRow>,
    pub program_certificates: Vec<ProgramCertificateRow>,
    pub pathways: Vec<PathwayRow>,
}

/// A learner's credential as the console and the service API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialOut {
    pub uuid: String,
    pub username: String,
    pub status: String,
    pub credential: CredentialTarget,
    pub title: String,
    pub attributes: Vec<CredentialAttribute>,
    pub date_override: Option<String>,
    pub created: String,
    pub modified: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialAttribute {
    pub name: String,
    pub value: String,
}

/// What the service API's `POST /api/v2/credentials/` names (Open edX's body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialRequest {
    pub username: String,
    #[serde(default = "awarded")]
    pub status: String,
    pub credential: CredentialTarget,
    #[serde(default)]
    pub attributes: Vec<CredentialAttribute>,
    #[serde(default)]
    pub date_override: Option<DateOverride>,
}

fn awarded() -> String {
    "awarded".to_owned()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateOverride {
    pub date: String,
}

/// Which certificate configuration: a program's (`program_uuid`), or a course run's in a mode
/// (`course_run_key`, `mode`); `type` is `program` or `course-run` (optional on input).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CredentialTarget {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course_run_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// One grade of `POST /api/v2/grades/` (Open edX's body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeRequest {
    pub username: String,
    pub course_run: String,
    #[serde(default)]
    pub letter_grade: Option<String>,
    pub percent_grade: f64,
    #[serde(default = "yes")]
    pub verified: bool,
    #[serde(default)]
    pub lms_last_updated_at: Option<String>,
}

fn yes() -> bool {
    true
}

/// The outcome of one item of a batch (grades): `applied`, `unchanged`, or an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemResult {
    pub index: usize,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
