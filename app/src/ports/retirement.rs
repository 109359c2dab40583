//! Port: account deletion (the retirement pipeline): the learner's side, the console's and the
//! service API's (Open edX's retirement endpoints, for external drivers). Signatures only.

use super::{ClientMeta, QueueQuery};
use crate::gate::capabilities::{Me, Public, RetirementWorker};
use crate::gate::console::{AddRetirements, ChangeRetirements, Console, ViewOutbox, ViewRetirements};
use crate::model::{
    CancelDeletionPage, DeletionInfo, DeletionQueued, OutboxMail, RetirementDashboard, RetirementDetail,
    RetirementSummary, ServiceRetirement,
};
use registrar::DomainError;

/// The learner's side: delete my account (with a password or a mailed link), cancel, download my data.
#[async_trait::async_trait]
pub trait Deletion: Send + Sync {
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
}

/// The console's account deletions and outbox.
#[async_trait::async_trait]
pub trait RetirementAdmin: Send + Sync {
    /// The console's dashboard: states with counts, requests per day.
    async fn retirement_dashboard(
        &self,
        staff: &Console<ViewRetirements>,
    ) -> Result<RetirementDashboard, DomainError>;

    /// Retirements by original or retired username/email, optionally in one state (newest first).
    async fn retirements(
        &self,
        staff: &Console<ViewRetirements>,
        search: &str,
        state: Option<String>,
    ) -> Result<Vec<RetirementSummary>, DomainError>;

    /// One retirement with its events.
    async fn retirement_detail(
        &self,
        staff: &Console<ViewRetirements>,
        id: &str,
    ) -> Result<RetirementDetail, DomainError>;

    /// Resume a failed or stuck retirement from `to` (PENDING or a stage's _COMPLETE); audited.
    async fn retirement_resume(
        &self,
        staff: &Console<ChangeRetirements>,
        id: &str,
        to: &str,
        reason: &str,
    ) -> Result<(), DomainError>;

    /// Stop a retirement for good; audited.
    async fn retirement_abort(
        &self,
        staff: &Console<ChangeRetirements>,
        id: &str,
        reason: &str,
    ) -> Result<(), DomainError>;

    /// Cancel a retirement still in its cool-off: the account is active again; audited.
    async fn retirement_cancel(
        &self,
        staff: &Console<ChangeRetirements>,
        id: &str,
        reason: &str,
    ) -> Result<(), DomainError>;

    /// Queue an account for deletion on a learner's behalf (no cool-off mail sent to a typo).
    async fn retirement_request_for(
        &self,
        staff: &Console<AddRetirements>,
        identifier: &str,
        reason: &str,
    ) -> Result<RetirementSummary, DomainError>;

    /// The console's outbox: the newest messages, optionally to one address.
    async fn outbox(&self, staff: &Console<ViewOutbox>, to: &str) -> Result<Vec<OutboxMail>, DomainError>;
}

/// The service API external retirement drivers call, and their OAuth tokens.
#[async_trait::async_trait]
pub trait RetirementDriver: Send + Sync {
    /// `POST /oauth2/access_token`, client credentials grant: a bearer token for the client's user
    /// and its lifetime in seconds.
    async fn client_credentials_token(
        &self,
        public: &Public,
        client_id: &str,
        client_secret: &str,
        client: &ClientMeta,
    ) -> Result<(String, i64), DomainError>;

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

/// Everything the retirement area offers.
pub trait RetirementArea: Deletion + RetirementAdmin + RetirementDriver {}

impl<T: Deletion + RetirementAdmin + RetirementDriver> RetirementArea for T {}
