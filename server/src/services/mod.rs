//! The use cases behind the Gate, one folder per area, each implementing its own ports from
//! `app::ports`: `accounts` (sign-in, registration, sessions, accounts made by commands),
//! `enrollment` (courses, batches, roster), `team` (course team, discussion roles, the Studio team
//! page), `libraries` (libraries, groups, org-wide grants), `console` (users, account states,
//! agreements, invitations, role assignments, audit, jobs), `retirement` (account deletion) and
//! `records` (credentials and learner records); `facts` answers the Gate's questions.
//!
//! This module owns [`Core`] (the database and the settings every area runs with, and the helpers
//! more than one area needs) and [`backend`], which builds the ports. Each use case receives a
//! capability minted by the Gate. Database failures are logged with an operation id and surface as
//! `INTERNAL` carrying that id; no database text reaches a caller. SQL lives in `crate::store`.

pub mod access;
pub mod accounts;
pub mod console;
pub mod enrollment;
pub mod facts;
pub mod libraries;
pub mod links;
pub mod records;
pub mod retirement;
pub mod team;
pub mod work;

use crate::config::{AuthPolicy, RetirementSettings};
use crate::store::Db;
use app::ports::{Backend, SharedBackend};
use registrar::DomainError;
use std::fmt::Display;
use std::sync::Arc;

/// What every area runs with: the database, the sign-in policy, the public URL used in mail and
/// the retirement settings. Shared by the areas' services; holds no use case of its own.
pub struct Core {
    pub(crate) db: Db,
    pub(crate) policy: AuthPolicy,
    pub(crate) site_url: String,
    pub(crate) retirement: RetirementSettings,
}

/// Log an internal failure under a fresh operation id and turn it into the error users see.
pub fn internal(error: impl Display) -> DomainError {
    let op = uuid::Uuid::new_v4().simple().to_string();
    let op = op.get(..12).unwrap_or(&op).to_owned();
    tracing::error!(operation_id = %op, error = %error, "internal error");
    DomainError::internal(&op)
}

/// Queue `mail` (composed by `notices`) to `user`'s current address, as theirs (retired and
/// exported with the account), inside the caller's transaction.
pub(crate) async fn mail_account(
    conn: &mut crate::store::Conn,
    user: &crate::store::users::UserRow,
    mail: &crate::notices::Composed,
) -> Result<(), DomainError> {
    crate::store::outbox::enqueue(
        &mut *conn,
        &crate::store::outbox::NewMail::to_account(&user.id, &user.email, &mail.subject, &mail.body),
    )
    .await?;
    Ok(())
}

impl Core {
    #[must_use]
    pub fn new(db: Db, policy: AuthPolicy) -> Self {
        Self {
            db,
            policy,
            site_url: "http://127.0.0.1:3000".to_owned(),
            retirement: RetirementSettings::default(),
        }
    }

    /// Use these retirement settings (validated by the caller).
    #[must_use]
    pub fn with_retirement(mut self, settings: RetirementSettings) -> Self {
        self.retirement = settings;
        self
    }

    #[must_use]
    pub fn retirement_settings(&self) -> &RetirementSettings {
        &self.retirement
    }

    /// The public URL links in mail point to.
    #[must_use]
    pub fn site_url(&self) -> &str {
        &self.site_url
    }

    /// Set the public URL that links in mail point to.
    #[must_use]
    pub fn with_site_url(mut self, url: &str) -> Self {
        url.trim_end_matches('/').clone_into(&mut self.site_url);
        self
    }

    #[must_use]
    pub(crate) fn policy(&self) -> &AuthPolicy {
        &self.policy
    }

    #[must_use]
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The retirement settings (states, names, cool-off, the service user).
    pub(crate) fn settings(&self) -> &RetirementSettings {
        &self.retirement
    }
}

/// The ports the server functions use, one implementation per area over `core`.
#[must_use]
pub fn backend(core: Arc<Core>) -> SharedBackend {
    Arc::new(Backend {
        accounts: Arc::new(accounts::AccountService::new(core.clone())),
        enrollment: Arc::new(enrollment::EnrollmentService::new(core.clone())),
        team: Arc::new(team::TeamService::new(core.clone())),
        libraries: Arc::new(libraries::LibraryService::new(core.clone())),
        console: Arc::new(console::ConsoleService::new(core.clone())),
        retirement: Arc::new(retirement::RetirementService::new(core.clone())),
        records: Arc::new(records::RecordService::new(core.clone())),
        facts: Arc::new(facts::FactService::new(core)),
    })
}
