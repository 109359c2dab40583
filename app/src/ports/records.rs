//! Port: credentials and learner records: the learner's records, sharing and pathways; the
//! console's certificate administration; the LMS-facing service API (award, revoke, grades).
//! Signatures only.

use super::{ClientMeta, Download};
use crate::gate::capabilities::{Me, Public, System};
use crate::gate::console::{AddCredentials, ChangeCredentials, Console, PushGrades, ViewCredentials};
use crate::model::records::{
    CourseCertificateRow, CredentialOut, CredentialRequest, CredentialsConsole, GradeRequest, ItemResult,
    PathwayRow, ProgramCertificateRow, ProgramRecord, ProgramRow, RecordsList, ShareInfo, SignatoryRow,
    SiteConfig,
};
use registrar::DomainError;

/// Learner records: reading, sharing, public links, CSV, pathways.
#[async_trait::async_trait]
pub trait Records: Send + Sync {
    /// "My records": programs with at least one earned course certificate.
    async fn my_records(&self, me: &Me) -> Result<RecordsList, DomainError>;

    /// Any learner's records, read only (staff).
    async fn learner_records(
        &self,
        staff: &Console<ViewCredentials>,
        username: &str,
    ) -> Result<RecordsList, DomainError>;

    /// The signed-in learner's record of one program (with sharing, pathways and history).
    async fn my_program_record(&self, me: &Me, program_id: &str) -> Result<ProgramRecord, DomainError>;

    /// A learner's record of one program, read only (staff).
    async fn learner_program_record(
        &self,
        staff: &Console<ViewCredentials>,
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
}

/// The console's credentials page: site, signatories, programs, certificate configurations, pathways.
#[async_trait::async_trait]
pub trait CredentialsAdmin: Send + Sync {
    /// The console's credentials page.
    async fn credentials_console(
        &self,
        staff: &Console<ViewCredentials>,
    ) -> Result<CredentialsConsole, DomainError>;

    /// Change the site configuration (console).
    async fn update_site(
        &self,
        staff: &Console<ChangeCredentials>,
        site: SiteConfig,
    ) -> Result<(), DomainError>;

    /// Create or update a site by domain (`registrar create-or-update-site`); true if created.
    async fn create_or_update_site(&self, system: &System, site: SiteConfig) -> Result<bool, DomainError>;

    /// Add a signatory with its image (validated by content).
    async fn create_signatory(
        &self,
        staff: &Console<AddCredentials>,
        row: SignatoryRow,
        image: Vec<u8>,
    ) -> Result<String, DomainError>;

    /// Create or update a program (id empty: create) with its organisations and course runs.
    async fn save_program(
        &self,
        staff: &Console<ChangeCredentials>,
        program: ProgramRow,
    ) -> Result<String, DomainError>;

    /// Create or update a course certificate configuration (unique per site, course run, type).
    async fn save_course_certificate(
        &self,
        staff: &Console<ChangeCredentials>,
        row: CourseCertificateRow,
    ) -> Result<String, DomainError>;

    /// Create or update a program certificate configuration (at least one signatory).
    async fn save_program_certificate(
        &self,
        staff: &Console<ChangeCredentials>,
        row: ProgramCertificateRow,
    ) -> Result<String, DomainError>;

    /// Create or update a pathway.
    async fn save_pathway(
        &self,
        staff: &Console<ChangeCredentials>,
        row: PathwayRow,
    ) -> Result<String, DomainError>;
}

/// Credentials as the service API and the learner read and change them; grade pushes.
#[async_trait::async_trait]
pub trait CredentialsApi: Send + Sync {
    /// A learner's credentials (console and service API).
    async fn credentials_of(
        &self,
        staff: &Console<ViewCredentials>,
        username: &str,
    ) -> Result<Vec<CredentialOut>, DomainError>;

    /// The signed-in learner's own credentials.
    async fn my_credentials(&self, me: &Me) -> Result<Vec<CredentialOut>, DomainError>;

    /// One of the signed-in learner's own credentials (anyone else's is 404).
    async fn credential(&self, me: &Me, uuid: &str) -> Result<CredentialOut, DomainError>;

    /// Any learner's credential (staff who may view credentials).
    async fn any_credential(
        &self,
        staff: &Console<ViewCredentials>,
        uuid: &str,
    ) -> Result<CredentialOut, DomainError>;

    /// Award or revoke (update-or-create; the same request twice is one effect); true if created.
    /// Creating needs `add_credentials`; revoking, or changing the status of one that exists, is a
    /// change: without `change` (the caller's `change_credentials`, if it holds it) it is refused.
    async fn issue_credential(
        &self,
        staff: &Console<AddCredentials>,
        change: Option<&Console<ChangeCredentials>>,
        request: CredentialRequest,
    ) -> Result<(CredentialOut, bool), DomainError>;

    /// Change a credential's status (`awarded` / `revoked`); revoking keeps the row.
    async fn set_credential_status(
        &self,
        staff: &Console<ChangeCredentials>,
        uuid: &str,
        status: &str,
    ) -> Result<CredentialOut, DomainError>;

    /// Upsert grades, each judged alone (stale, invalid, unknown learner or run: that item only).
    async fn push_grades(
        &self,
        staff: &Console<PushGrades>,
        grades: Vec<GradeRequest>,
    ) -> Result<Vec<ItemResult>, DomainError>;
}

/// Everything the records area offers.
pub trait RecordsArea: Records + CredentialsAdmin + CredentialsApi {}

impl<T: Records + CredentialsAdmin + CredentialsApi> RecordsArea for T {}
