//! The audit log (search, CSV), background jobs and mail retries
//! (`app::ports::console::AuditLog`). It must not change an audit entry: the log is append-only.

use super::*;
use crate::store::{console as cs, users};
use app::gate::ConsoleActor;
use app::model::console::{AuditCsvPage, AuditLine, AuditPage, AuditQuery, JobLine};
use app::ports::console::AuditLog;
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};

pub(crate) fn audit_line(r: cs::AuditRow) -> AuditLine {
    AuditLine {
        id: r.id,
        at: r.at,
        actor: r.actor_label,
        action: r.action,
        target_type: r.target_type,
        target_id: r.target_id,
        scope: r.scope,
        before: r.before_json,
        after: r.after_json,
        reason: r.reason,
    }
}

impl ConsoleService {
    /// The audit filter a query means; names a bad day or unknown account.
    pub(crate) async fn audit_filter(&self, q: &AuditQuery) -> Result<cs::AuditFilter, DomainError> {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let day = |s: &str, field: &'static str| -> Result<Option<i64>, DomainError> {
            match text(s) {
                None => Ok(None),
                Some(d) => registrar::roles::day_start(&d).map(Some).ok_or_else(|| {
                    DomainError::with_message(
                        ErrorCode::InputInvalid,
                        format!("'{d}' is not a date like 2026-11-23."),
                    )
                    .on_field(field)
                }),
            }
        };
        let mut f = cs::AuditFilter {
            action: text(&q.action),
            scope: text(&q.scope),
            from: day(&q.from, "from")?,
            until: day(&q.to, "to")?.map(|d| d + 86_400_000),
            before_id: q.before,
            ..Default::default()
        };
        if let (Some(from), Some(until)) = (f.from, f.until) {
            if from >= until {
                return Err(DomainError::with_message(
                    ErrorCode::InputInvalid,
                    "The first day is after the last.",
                )
                .on_field("from"));
            }
        }
        if let Some(actor) = text(&q.actor) {
            if actor.starts_with("system:") {
                f.actor_label = Some(actor);
            } else {
                let user = users::find_by_login(self.core.db(), &actor).await?.ok_or_else(|| {
                    DomainError::with_message(
                        ErrorCode::UserNotFound,
                        format!("There is no account '{actor}'."),
                    )
                    .on_field("actor")
                })?;
                f.actor_id = Some(user.id);
            }
        }
        if let Some(target) = text(&q.target) {
            if let Some(user) = users::find_by_login(self.core.db(), &target).await? {
                f.target_type = Some("user".to_owned());
                f.target_id = Some(user.id);
            } else if let Some((kind, id)) = target
                .split_once(':')
                .filter(|(k, _)| !k.contains('-') && !k.is_empty() && *k != "course-v1" && *k != "lib")
            {
                f.target_type = Some(kind.to_owned());
                f.target_id = Some(id.to_owned());
            } else {
                f.target_id = Some(target);
            }
        }
        Ok(f)
    }
}

#[async_trait::async_trait]
impl AuditLog for ConsoleService {
    async fn audit(
        &self,
        _actor: &ConsoleActor<'_, ViewAudit>,
        query: &AuditQuery,
        limit: u32,
    ) -> Result<AuditPage, DomainError> {
        let filter = self.audit_filter(query).await?;
        let limit = i64::from(limit.clamp(1, 500));
        let mut rows = cs::audit(self.core.db(), &filter, limit + 1).await?;
        let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next = if more { rows.last().map(|r| r.id) } else { None };
        Ok(AuditPage { rows: rows.into_iter().map(audit_line).collect(), next })
    }

    async fn audit_csv_page(
        &self,
        _actor: &ConsoleActor<'_, ViewAudit>,
        query: &AuditQuery,
    ) -> Result<AuditCsvPage, DomainError> {
        let filter = self.audit_filter(query).await?;
        let mut rows = cs::audit(self.core.db(), &filter, AUDIT_CSV_PAGE + 1).await?;
        let more = rows.len() > usize::try_from(AUDIT_CSV_PAGE).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(AUDIT_CSV_PAGE).unwrap_or(usize::MAX));
        let next = if more { rows.last().map(|r| r.id) } else { None };
        let mut out = crate::csv_file::CsvFile::in_memory();
        if query.before.is_none() {
            out.row([
                "id",
                "at",
                "actor",
                "action",
                "target_type",
                "target_id",
                "scope",
                "before",
                "after",
                "reason",
            ])?;
        }
        for r in rows {
            let at = registrar::records::iso_timestamp(r.at);
            let id = r.id.to_string();
            out.row([
                id.as_str(),
                at.as_str(),
                &r.actor_label,
                &r.action,
                &r.target_type,
                &r.target_id,
                r.scope.as_deref().unwrap_or_default(),
                r.before_json.as_deref().unwrap_or_default(),
                r.after_json.as_deref().unwrap_or_default(),
                r.reason.as_deref().unwrap_or_default(),
            ])?;
        }
        Ok(AuditCsvPage { bytes: out.finish()?, next })
    }

    async fn jobs(
        &self,
        _actor: &ConsoleActor<'_, ViewJobs>,
        state: &str,
    ) -> Result<Vec<JobLine>, DomainError> {
        let state = state.trim();
        if !["", "queued", "running", "succeeded", "failed"].contains(&state) {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("'{state}' is not a job state."),
            ));
        }
        Ok(cs::jobs(self.core.db(), state, 200)
            .await?
            .into_iter()
            .map(|j| JobLine {
                id: j.id,
                kind: j.kind,
                state: j.state,
                progress_done: j.progress_done,
                progress_total: j.progress_total,
                attempts: j.attempts,
                max_attempts: j.max_attempts,
                error: j.error,
                created_by: j.username,
                created_at: j.created_at,
                updated_at: j.updated_at,
            })
            .collect())
    }

    async fn retry_job(&self, actor: &ConsoleActor<'_, ChangeJobs>, id: &str) -> Result<(), DomainError> {
        let mut tx = self.core.begin().await?;
        if !cs::requeue_failed_job(&mut tx, id.trim()).await? {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Only a failed job can be retried; this one has not failed.",
            ));
        }
        audit(&mut tx, actor, AuditAction::JobRetry, ("job", id.trim()), None, None, None).await?;
        tx.commit().await
    }

    async fn retry_mail(&self, actor: &ConsoleActor<'_, ChangeOutbox>, id: &str) -> Result<(), DomainError> {
        let mut tx = self.core.begin().await?;
        if !cs::retry_mail(&mut tx, id.trim()).await? {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "This message was sent already (or does not exist).",
            ));
        }
        audit(&mut tx, actor, AuditAction::MailRetry, ("mail", id.trim()), None, None, None).await?;
        tx.commit().await
    }
}
