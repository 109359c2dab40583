//! Credentials and learner records: the learner's records and sharing (`learner`), the console's
//! certificate administration (`admin`), the LMS-facing service API (`service`).
//!
//! This module owns what they share: the site, finding learners, credential rows as the API shows
//! them, audit entries. Record rules (best grade, visibility, share tokens) are `registrar::records`.

use crate::services::{internal, Core};
use crate::store::credential_awards::{self as ca, CredentialDb};
use crate::store::credentials::{self as cs, SiteRow};
use crate::store::{audit, users, Conn, DbError};
use app::gate::console::*;
use app::model::records::{CredentialAttribute, CredentialOut, CredentialTarget, RecordsSite};
use registrar::records::iso_timestamp;
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use std::sync::Arc;
pub mod admin;
pub mod learner;
pub mod service;

/// Public record pages and CSV downloads one address may fetch per minute.
pub const RECORDS_PER_MINUTE: i64 = 30;

/// How many history entries a record page shows.
pub(crate) const HISTORY_SHOWN: i64 = 50;

/// Shares and sends one learner may make per minute (Open edX's records limit).
pub(crate) const LEARNER_ACTIONS_PER_MINUTE: i64 = 15;

pub(crate) fn not_found(what: &str) -> DomainError {
    DomainError::with_message(ErrorCode::NotFound, what.to_owned())
}

pub(crate) fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::with_message(ErrorCode::InputInvalid, message)
}

/// The one answer for a share link that does not open (unknown, unshared, expired, records off):
/// it reveals nothing about which.
pub(crate) fn no_such_record() -> DomainError {
    not_found("There is no record at this address. The link may have been unshared or may have expired.")
}

pub(crate) fn records_site(site: &SiteRow) -> RecordsSite {
    RecordsSite {
        platform_name: site.platform_name.clone(),
        records_enabled: site.records_enabled.0,
        help_url: site.records_help_url.clone(),
    }
}

pub(crate) fn require_records_on(site: &SiteRow) -> Result<(), DomainError> {
    if site.records_enabled.0 {
        Ok(())
    } else {
        Err(not_found("Learner records are turned off on this site."))
    }
}

/// A credential as the API shows it.
pub(crate) fn credential_out(row: CredentialDb, attributes: Vec<CredentialAttribute>) -> CredentialOut {
    let (credential, title) = match (&row.course_key, &row.program_id) {
        (Some(run), _) => (
            CredentialTarget {
                kind: Some("course-run".to_owned()),
                course_run_key: Some(run.clone()),
                mode: row.certificate_type.clone(),
                program_uuid: None,
            },
            row.course_title.clone().unwrap_or_default(),
        ),
        (None, program) => (
            CredentialTarget {
                kind: Some("program".to_owned()),
                program_uuid: program.clone(),
                ..CredentialTarget::default()
            },
            row.program_title.clone().unwrap_or_default(),
        ),
    };
    CredentialOut {
        uuid: row.id,
        username: row.username,
        status: row.status,
        credential,
        title,
        attributes,
        date_override: row.date_override.map(iso_timestamp),
        created: iso_timestamp(row.created_at),
        modified: iso_timestamp(row.modified_at),
    }
}

/// Who a record is about.
pub(crate) struct Learner {
    id: String,
    username: String,
    full_name: String,
    email: String,
}

/// Credentials and learner records.
pub struct RecordService {
    core: Arc<Core>,
}

impl RecordService {
    #[must_use]
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }
}

impl RecordService {
    /// The site this server serves (by the public URL's host).
    pub(crate) async fn site(&self) -> Result<SiteRow, DomainError> {
        let host = self
            .core
            .site_url()
            .split("://")
            .nth(1)
            .unwrap_or(self.core.site_url())
            .split(['/', ':'])
            .next()
            .unwrap_or("localhost")
            .to_owned();
        cs::current_site(self.core.db(), &host).await.map_err(internal)
    }

    pub(crate) async fn learner_by_username(&self, username: &str) -> Result<Learner, DomainError> {
        let user = users::find_by_username(self.core.db(), username).await?.ok_or_else(|| {
            DomainError::with_message(ErrorCode::UserNotFound, format!("There is no learner '{username}'."))
        })?;
        Ok(Learner { id: user.id, username: user.username, full_name: user.full_name, email: user.email })
    }

    pub(crate) async fn learner_by_id(&self, id: &str) -> Result<Learner, DomainError> {
        let user = users::get(self.core.db(), id)
            .await?
            .ok_or_else(|| DomainError::with_message(ErrorCode::UserNotFound, "There is no such learner."))?;
        Ok(Learner { id: user.id, username: user.username, full_name: user.full_name, email: user.email })
    }

    pub(crate) async fn audit<P: ConsolePermission>(
        &self,
        conn: &mut Conn,
        staff: &Console<P>,
        action: AuditAction,
        target_type: &str,
        target_id: &str,
        after: serde_json::Value,
    ) -> Result<(), DomainError> {
        audit::append(
            conn,
            &audit::Entry {
                actor_id: Some(&staff.principal().user_id.0),
                actor_label: staff.actor(),
                target_type,
                target_id,
                scope: Some("credentials"),
                after: Some(after),
                ..audit::Entry::new(action)
            },
        )
        .await
        .map_err(internal)
    }

    pub(crate) async fn credential_by_id(&self, uuid: &str) -> Result<Option<CredentialOut>, DomainError> {
        let site = self.site().await?;
        let uuid = uuid.replace('-', "").to_ascii_lowercase();
        let found = ca::credentials_where(self.core.db(), &site.id, "uc.id", &uuid).await?;
        Ok(found.into_iter().next().map(|(row, a)| credential_out(row, a)))
    }
}

/// Whether a save was refused by a uniqueness rule (a second configuration for the same run and
/// type, or the same program, on one site).
pub(crate) fn conflict_message(e: &DbError) -> bool {
    e.is_unique_violation()
}

pub(crate) fn required(value: &str, what: &str) -> Result<String, DomainError> {
    let value = value.trim();
    if value.is_empty() {
        Err(invalid(format!("{what} is required.")))
    } else if value.chars().count() > 255 {
        Err(invalid(format!("{what} is at most 255 characters.")))
    } else {
        Ok(value.to_owned())
    }
}
