//! Enrollment batches: one slice of a batch in one transaction, and the background job that runs
//! long batches slice by slice with a lease and keeps their report.
//!
//! It must not decide who may enroll (the Gate did) nor what happens to a row
//! (`registrar::enrollment` plans it).

use super::EnrollmentService;
use crate::services::internal;
use crate::store::{self, courses, enrollments, users};
use app::model::{BatchAction, BatchReport, BatchRow};
use registrar::authz::{decide, Action};
use registrar::enrollment::{plan_enroll, plan_unenroll, Category, Facts};
use registrar::identifiers::{parse_identifiers, Identifier};
use registrar::ids::CourseKey;
use registrar::{DomainError, ErrorCode};
use std::collections::HashMap;

/// The job kind under which batch enrollment reports are kept.
pub const BATCH_JOB_KIND: &str = "enrollment_batch";

/// Entries per transaction in a background batch (and per step of its progress bar).
pub(crate) const JOB_SLICE: usize = 2_000;

/// How long a worker holds a job between checkpoints before another may take it over.
pub const JOB_LEASE_MS: i64 = 5 * 60_000;

/// What an enrollment batch asks, as kept with its report and as a background job's payload.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct EnrollJob {
    pub course: String,
    pub action: BatchAction,
    pub auto_enroll: bool,
    pub notify: bool,
    pub reason: Option<String>,
    pub actor_id: String,
    pub actor_label: String,
    /// The entries, for a background job (empty for batches that ran within their request).
    #[serde(default)]
    pub identifiers: Vec<String>,
}

impl EnrollmentService {
    /// Plan and write one slice of an enrollment batch inside `tx`: facts for the whole slice in three
    /// queries, then multi-row writes, audit rows and notices (`link_key`, read before the
    /// transaction, signs invitations' registration links). Returns one row per identifier.
    pub(crate) async fn enroll_slice(
        &self,
        tx: &mut store::Conn,
        course: &courses::CourseRow,
        actor: enrollments::Actor<'_>,
        request: &EnrollJob,
        link_key: &[u8],
        parsed: &[Identifier],
    ) -> Result<Vec<BatchRow>, DomainError> {
        let unenroll = request.action == BatchAction::Unenroll;
        let course_key = course.key.as_str();
        // Facts for the whole list in three queries.
        let accounts = enrollments::accounts_matching(&self.core.db, &lookup_keys(parsed)).await?;
        let by_email: HashMap<&str, &enrollments::Account> =
            accounts.iter().map(|a| (a.email_key.as_str(), a)).collect();
        let by_username: HashMap<&str, &enrollments::Account> =
            accounts.iter().map(|a| (a.username_key.as_str(), a)).collect();
        let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
        let enrolled = enrollments::actively_enrolled(&self.core.db, course_key, &ids).await?;
        let email_keys: Vec<String> = parsed
            .iter()
            .filter_map(|i| match i {
                Identifier::Email(e) => Some(e.to_lowercase()),
                Identifier::Username(u) => {
                    by_username.get(u.to_lowercase().as_str()).map(|a| a.email_key.clone())
                }
                Identifier::Invalid(_) => None,
            })
            .collect();
        let invitations = enrollments::invitations(&self.core.db, course_key, &email_keys).await?;

        let mut writes = enrollments::Writes::default();
        let mut mails: Vec<(String, Option<String>, registrar::enrollment::Notice)> = Vec::new();
        let mut rows = Vec::with_capacity(parsed.len());
        // One account (or invited address) is processed once, however many ways the list names it.
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        for identifier in parsed {
            let (text, account, email) = match identifier {
                Identifier::Invalid(text) => {
                    rows.push(invalid_row(text, "Not a valid email address or username."));
                    continue;
                }
                Identifier::Username(u) => match by_username.get(u.to_lowercase().as_str()) {
                    Some(a) => (u, Some(*a), a.email.clone()),
                    None => {
                        rows.push(invalid_row(u, "No account has this username."));
                        continue;
                    }
                },
                Identifier::Email(e) => {
                    // Mail goes to the address on the account, as the learner spelled it.
                    let account = by_email.get(e.to_lowercase().as_str()).copied();
                    (e, account, account.map_or_else(|| e.clone(), |a| a.email.clone()))
                }
            };
            let email_key = email.to_lowercase();
            if !seen.insert(account.map_or_else(|| email_key.clone(), |a| a.id.clone())) {
                rows.push(invalid_row(text, "Names the same person as an earlier entry; processed once."));
                continue;
            }
            let invitation = invitations
                .iter()
                .find(|(k, _, used_by)| {
                    *k == email_key && used_by.as_deref().is_none_or(|u| account.is_some_and(|a| a.id == u))
                })
                .map(|(_, auto, _)| auto.0);
            let facts = Facts {
                account_active: account.map(|a| a.is_active.0),
                enrolled: account.is_some_and(|a| enrolled.contains(&a.id)),
                invitation,
            };
            let plan = if unenroll { plan_unenroll(facts) } else { plan_enroll(facts, request.auto_enroll) };
            let user_id = account.map(|a| a.id.clone());
            if let Some(id) = &user_id {
                if plan.enroll {
                    writes.enroll.push(id.clone());
                }
                if plan.unenroll {
                    writes.unenroll.push(id.clone());
                }
            }
            if let Some(auto) = plan.invite {
                writes.invite.push((email_key.clone(), email.clone(), auto));
            }
            if plan.cancel_invitation {
                writes.cancel.push(email_key.clone());
            }
            writes.audit.push(enrollments::AuditRow {
                email: email.clone(),
                user_id: user_id.clone(),
                transition: plan.transition.as_str(),
            });
            if let (true, Some(notice)) = (request.notify, plan.notice) {
                mails.push((email.clone(), user_id, notice));
            }
            rows.push(BatchRow {
                identifier: text.clone(),
                category: plan.category(),
                before: Some(plan.before),
                after: Some(plan.after),
                error: None,
            });
        }

        enrollments::apply(&mut *tx, course_key, &writes, actor, request.reason.as_deref()).await?;
        self.queue_notices(&mut *tx, &course.display_name, &mails, request.auto_enroll, link_key).await?;
        Ok(rows)
    }

    /// Run a claimed background enrollment batch to its end, one slice per transaction. Each slice's
    /// writes commit together with the job's checkpoint (progress and that slice's rows), so a retry
    /// after a crash resumes after the last committed slice and never applies a slice twice. The last
    /// step stores the report and mails the requester, in one transaction. Returns `false` when the
    /// job stopped being this worker's (its lease ran out and another worker took it).
    pub async fn run_batch_job(&self, job: &store::jobs::JobRow, worker: &str) -> Result<bool, DomainError> {
        let asked: EnrollJob = serde_json::from_str(&job.payload).map_err(internal)?;
        // The requester passed the Gate when the job was queued; ask again, in case their access
        // ended while it waited.
        let no_longer = || {
            DomainError::with_message(
                ErrorCode::Forbidden,
                format!(
                    "{} may no longer enroll learners in {}; the batch was not run.",
                    asked.actor_label, asked.course
                ),
            )
        };
        let requester = users::get(&self.core.db, &asked.actor_id).await?.ok_or_else(no_longer)?;
        let principal = users::principal(&self.core.db, requester.clone()).await?;
        let course_key = CourseKey::parse(&asked.course)?;
        if !decide(&principal, &Action::EnrollLearners(course_key.clone())).is_allowed() {
            return Err(no_longer());
        }
        if asked.notify && !decide(&principal, &Action::EmailLearners(course_key)).is_allowed() {
            return Err(DomainError::with_message(
                ErrorCode::Forbidden,
                format!(
                    "{} may no longer email learners in {}; the batch (with \"Notify\") was not run.",
                    asked.actor_label, asked.course
                ),
            ));
        }
        let course = self.existing_course(&asked.course).await?;
        let link_key = self.core.link_key().await?;
        let parsed = parse_identifiers(&asked.identifiers.join("\n"));
        // The rows of slices committed before a restart.
        let mut rows: Vec<BatchRow> = Vec::new();
        for kept in store::jobs::slices(&self.core.db, &job.id).await? {
            rows.extend(serde_json::from_str::<Vec<BatchRow>>(&kept).map_err(internal)?);
        }
        let actor = enrollments::Actor { id: Some(&asked.actor_id), label: &asked.actor_label };
        while rows.len() < parsed.len() {
            let end = (rows.len() + JOB_SLICE).min(parsed.len());
            let mut tx = self.core.begin().await?;
            let slice = self
                .enroll_slice(&mut tx, &course, actor, &asked, &link_key, &parsed[rows.len()..end])
                .await?;
            let kept = serde_json::to_string(&slice).map_err(internal)?;
            rows.extend(slice);
            let done = i64::try_from(rows.len()).unwrap_or(i64::MAX);
            if !store::jobs::progress(&mut *tx, &job.id, worker, done, JOB_LEASE_MS).await? {
                return Ok(false);
            }
            store::jobs::keep_slice(&mut tx, &job.id, done, &kept).await?;
            tx.commit().await?;
        }
        let report = BatchReport {
            id: job.id.clone(),
            course: asked.course.clone(),
            action: asked.action,
            rows,
            progress: None,
        };
        let result = serde_json::to_value(&report).map_err(internal)?;
        let mut tx = self.core.begin().await?;
        if !store::jobs::complete(&mut tx, &job.id, worker, &result).await? {
            return Ok(false);
        }
        store::jobs::drop_slices(&mut tx, &job.id).await?;
        let counts: Vec<(&str, usize)> = Category::ALL
            .iter()
            .map(|c| (c.label(), report.rows.iter().filter(|r| r.category == *c).count()))
            .filter(|(_, n)| *n > 0)
            .collect();
        let message = crate::notices::batch_finished(
            &course.display_name,
            &asked.course,
            &self.core.site_url,
            &job.id,
            &counts,
        );
        store::outbox::enqueue_many(
            &mut tx,
            &[store::outbox::NewMail {
                user_id: Some(&requester.id),
                to: &requester.email,
                subject: &message.subject,
                body_text: &message.body,
                ..store::outbox::NewMail::default()
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Keep a finished batch's report (as a finished job) inside its transaction; returns it with its id.
pub(crate) async fn keep_report(
    conn: &mut store::Conn,
    course: &str,
    action: BatchAction,
    rows: Vec<BatchRow>,
    payload: &serde_json::Value,
    actor_id: &str,
) -> Result<BatchReport, DomainError> {
    let mut report =
        BatchReport { id: String::new(), course: course.to_owned(), action, rows, progress: None };
    let result = serde_json::to_value(&report).map_err(internal)?;
    let total = i64::try_from(report.rows.len()).unwrap_or(i64::MAX);
    report.id =
        store::jobs::insert_finished(&mut *conn, BATCH_JOB_KIND, payload, Some(actor_id), total, &result)
            .await?;
    Ok(report)
}

/// The lower-cased usernames and emails of a parsed list, for one lookup of the accounts they name.
pub(crate) fn lookup_keys(parsed: &[Identifier]) -> Vec<String> {
    parsed
        .iter()
        .filter_map(|i| match i {
            Identifier::Email(s) | Identifier::Username(s) => Some(s.to_lowercase()),
            Identifier::Invalid(_) => None,
        })
        .collect()
}

/// Split a batch's list, refusing an empty one or one over the size limit with a message that says so.
pub(crate) fn parse_batch(identifiers: &str) -> Result<Vec<Identifier>, DomainError> {
    let parsed = parse_identifiers(identifiers);
    if parsed.is_empty() {
        return Err(DomainError::with_message(
            ErrorCode::InputInvalid,
            "Enter at least one email address or username.",
        )
        .on_field("identifiers"));
    }
    if parsed.len() > app::api::membership::MAX_BATCH {
        return Err(DomainError::with_message(
            ErrorCode::InputInvalid,
            format!(
                "This list has {} entries; at most {} can be processed at once. Split it into smaller lists.",
                parsed.len(),
                app::api::membership::MAX_BATCH
            ),
        )
        .on_field("identifiers"));
    }
    Ok(parsed)
}

pub(crate) fn invalid_row(identifier: &str, why: &str) -> BatchRow {
    BatchRow {
        identifier: identifier.to_owned(),
        category: Category::Invalid,
        before: None,
        after: None,
        error: Some(why.to_owned()),
    }
}
