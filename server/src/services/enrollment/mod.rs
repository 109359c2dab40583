//! Courses and enrollment: the course list and overview, the Membership tab's enrollment and beta
//! tester batches, batch reports and the roster (`app::ports::enrollment::Enrollment`).
//!
//! Plans come from `registrar::enrollment`; batches longer than `app::api::membership::INLINE_BATCH`
//! run as jobs (`batch`). It must not change team roles (the team area does).

use crate::services::{internal, Core};
use crate::store::{self, courses, enrollments, roles};
use app::gate::{CourseAdmin, CourseEnroller, CourseStaff, GlobalStaff};
use app::model::{
    BatchAction, BatchProgress, BatchReport, BatchRequest, BatchRow, CourseOverview, CourseSummary, Page,
    RosterQuery, RosterRow, RosterStatus,
};
use app::ports::enrollment::Enrollment;
use app::ports::CourseQuery;
use registrar::authz::{decide, Action};
use registrar::identifiers::Identifier;
use registrar::roles::Role;
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use std::sync::Arc;
pub mod batch;
use batch::*;

/// Courses, enrollment batches and the roster.
pub struct EnrollmentService {
    core: Arc<Core>,
}

impl EnrollmentService {
    #[must_use]
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }
}

impl EnrollmentService {
    /// The course, or `NOT_FOUND` naming it.
    pub(crate) async fn existing_course(&self, key: &str) -> Result<courses::CourseRow, DomainError> {
        courses::get(&self.core.db, key).await?.ok_or_else(|| no_course(key))
    }

    /// "Notify" for up to `entries` people: refused for Limited Staff (they may enroll, not mail),
    /// and when it would take the course past its daily budget of notices (counted before the
    /// batch runs, for every entry, so no request can mail more than the budget allows).
    pub(crate) async fn reserve_notices(
        &self,
        may_email: bool,
        course: &str,
        entries: usize,
    ) -> Result<(), DomainError> {
        if !may_email {
            return Err(DomainError::with_message(
                ErrorCode::Forbidden,
                "Limited Staff may enroll learners but not email them: untick \"Notify\" and try again.",
            ));
        }
        let budget = self.core.policy.notify_per_course_per_day;
        let n = i64::try_from(entries).unwrap_or(i64::MAX);
        let key = format!("notify:{course}");
        let used = store::throttle::hit_by(&self.core.db, &key, n, 86_400_000).await?;
        if used > budget {
            store::throttle::forgive_by(&self.core.db, &key, n).await?;
            let left = (budget - (used - n)).max(0);
            return Err(DomainError::with_message(
                ErrorCode::AuthThrottled,
                format!(
                    "\"Notify\" would email up to {n} people, and {course} may send {left} more enrollment \
                     messages today (at most {budget} a day). Untick \"Notify\", or send a shorter list."
                ),
            ));
        }
        Ok(())
    }

    /// Queue enrollment notices `(to, user id, notice)` for a course inside the caller's transaction;
    /// `link_key` (read before the transaction) signs the registration links of invitations.
    pub(crate) async fn queue_notices(
        &self,
        conn: &mut store::Conn,
        course_name: &str,
        notices: &[(String, Option<String>, registrar::enrollment::Notice)],
        auto_enroll: bool,
        link_key: &[u8],
    ) -> Result<(), DomainError> {
        let mut composed = Vec::with_capacity(notices.len());
        for (to, _, notice) in notices {
            let link = if *notice == registrar::enrollment::Notice::Invited {
                self.core.invitation_link(link_key, to, None)?
            } else {
                String::new()
            };
            composed.push(crate::notices::enrollment(
                *notice,
                course_name,
                &self.core.site_url,
                &link,
                auto_enroll,
            ));
        }
        let outgoing: Vec<store::outbox::NewMail<'_>> = notices
            .iter()
            .zip(&composed)
            .map(|((to, user_id, _), c)| store::outbox::NewMail {
                user_id: user_id.as_deref(),
                to,
                subject: &c.subject,
                body_text: &c.body,
                ..store::outbox::NewMail::default()
            })
            .collect();
        store::outbox::enqueue_many(conn, &outgoing).await.map_err(internal)
    }
}

impl Core {
    /// `NOT_FOUND` naming the course unless it exists; cheaper than [`Self::existing_course`], which
    /// also counts the course's enrollments.
    pub(crate) async fn ensure_course(&self, key: &str) -> Result<(), DomainError> {
        if courses::exists(&self.db, key).await? {
            Ok(())
        } else {
            Err(no_course(key))
        }
    }
}

#[async_trait::async_trait]
impl Enrollment for EnrollmentService {
    async fn list_courses(
        &self,
        _staff: &GlobalStaff,
        query: CourseQuery,
    ) -> Result<Page<CourseSummary>, DomainError> {
        let per_page = query.per_page.clamp(1, 200);
        let page = query.page.max(1);
        let offset = i64::from(page - 1) * i64::from(per_page);
        let (rows, total) =
            courses::search(&self.core.db, &query.search, i64::from(per_page), offset).await?;
        Ok(Page { items: rows.into_iter().map(summary).collect(), total, page, per_page })
    }

    async fn course_overview(&self, staff: &CourseStaff) -> Result<CourseOverview, DomainError> {
        let key = staff.course().to_string();
        let row = self.existing_course(&key).await?;
        let team = self.core.team_of(&key, &registrar::team::TEAM_ROLES).await?;
        let (enrollment_start, enrollment_end) = (row.enrollment_start, row.enrollment_end);
        let can_enroll =
            decide(staff.principal(), &Action::EnrollLearners(staff.course().clone())).is_allowed();
        let can_manage_team =
            decide(staff.principal(), &Action::EditCourseAccess(staff.course().clone())).is_allowed();
        let can_manage_discussions =
            decide(staff.principal(), &Action::ManageDiscussionRoles(staff.course().clone())).is_allowed();
        let can_manage_discussion_admins = can_manage_discussions
            && registrar::discussion::check_manage(staff.principal(), staff.course(), Role::DiscussionAdmin)
                .is_ok();
        Ok(CourseOverview {
            course: summary(row),
            can_enroll,
            can_manage_team,
            can_manage_discussions,
            can_manage_discussion_admins,
            can_view_team: decide(staff.principal(), &Action::ViewCourseTeam(staff.course().clone()))
                .is_allowed(),
            enrollment_start,
            enrollment_end,
            team,
        })
    }

    async fn enroll_batch(
        &self,
        enroller: &CourseEnroller,
        request: BatchRequest,
    ) -> Result<BatchReport, DomainError> {
        if matches!(request.action, BatchAction::AddBetaTesters | BatchAction::RemoveBetaTesters) {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "The action must be enroll or unenroll.",
            ));
        }
        let parsed = parse_batch(&request.identifiers)?;
        let course_key = enroller.course().to_string();
        let course = self.existing_course(&course_key).await?;
        if request.notify {
            self.reserve_notices(enroller.may_email_learners(), &course_key, parsed.len()).await?;
        }
        let principal = enroller.principal();
        let reason = Some(request.reason.trim()).filter(|r| !r.is_empty());
        let payload = EnrollJob {
            course: course_key.clone(),
            action: request.action,
            auto_enroll: request.auto_enroll,
            notify: request.notify,
            reason: reason.map(str::to_owned),
            actor_id: principal.user_id.0.clone(),
            actor_label: principal.username.clone(),
            identifiers: Vec::new(),
        };
        // Read (or create) the link key before the transaction takes SQLite's write lock.
        let link_key = self.core.link_key().await?;
        let mut tx = self.core.begin().await?;
        if parsed.len() > app::api::membership::INLINE_BATCH {
            // Long lists run in the background; the page follows the job's progress.
            let total = i64::try_from(parsed.len()).unwrap_or(i64::MAX);
            let payload =
                EnrollJob { identifiers: parsed.iter().map(|i| i.text().to_owned()).collect(), ..payload };
            let value = serde_json::to_value(&payload).map_err(internal)?;
            let id = store::jobs::enqueue(&mut tx, BATCH_JOB_KIND, &value, Some(&principal.user_id.0), total)
                .await?;
            tx.commit().await?;
            return Ok(BatchReport {
                id,
                course: course_key,
                action: request.action,
                rows: Vec::new(),
                progress: Some(BatchProgress { state: "queued".into(), done: 0, total, error: None }),
            });
        }
        let actor = enrollments::Actor { id: Some(&principal.user_id.0), label: &principal.username };
        let rows = self.enroll_slice(&mut tx, &course, actor, &payload, &link_key, &parsed).await?;
        let value = serde_json::to_value(&payload).map_err(internal)?;
        let report =
            keep_report(&mut tx, &course_key, request.action, rows, &value, &principal.user_id.0).await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn beta_batch(
        &self,
        admin: &CourseAdmin,
        request: BatchRequest,
    ) -> Result<BatchReport, DomainError> {
        let add = match request.action {
            BatchAction::AddBetaTesters => true,
            BatchAction::RemoveBetaTesters => false,
            BatchAction::Enroll | BatchAction::Unenroll => {
                return Err(DomainError::with_message(
                    ErrorCode::InputInvalid,
                    "The action must be add or remove.",
                ))
            }
        };
        let parsed = parse_batch(&request.identifiers)?;
        let course_key = admin.course().to_string();
        let course = self.existing_course(&course_key).await?;
        if request.notify {
            // Course Admins may email; the course's daily budget still applies.
            self.reserve_notices(true, &course_key, parsed.len()).await?;
        }
        let accounts = enrollments::accounts_matching(&self.core.db, &lookup_keys(&parsed)).await?;
        let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
        let beta = roles::holders(&self.core.db, &course_key, Role::BetaTester, &ids).await?;
        let enrolled = enrollments::actively_enrolled(&self.core.db, &course_key, &ids).await?;

        let mut changed: Vec<&enrollments::Account> = Vec::new();
        let mut mails = Vec::new();
        let mut rows = Vec::with_capacity(parsed.len());
        let mut seen = std::collections::HashSet::new();
        for identifier in &parsed {
            let text = match identifier {
                Identifier::Invalid(text) => {
                    rows.push(invalid_row(text, "Not a valid email address or username."));
                    continue;
                }
                Identifier::Email(s) | Identifier::Username(s) => s,
            };
            let key = text.to_lowercase();
            let Some(account) = accounts.iter().find(|a| a.email_key == key || a.username_key == key) else {
                rows.push(invalid_row(
                    text,
                    "No account has this username or email; beta testers need an account.",
                ));
                continue;
            };
            if !account.is_active.0 {
                rows.push(invalid_row(text, "This account is not active, so it was not changed."));
                continue;
            }
            if !seen.insert(account.id.clone()) {
                rows.push(invalid_row(text, "Names the same person as an earlier entry; processed once."));
                continue;
            }
            let (category, change, notice) =
                registrar::enrollment::plan_beta(add, beta.contains(&account.id));
            if change {
                changed.push(account);
                if let (true, Some(notice)) = (request.notify, notice) {
                    mails.push((account.email.clone(), Some(account.id.clone()), notice));
                }
            }
            rows.push(BatchRow {
                identifier: text.clone(),
                category,
                before: None,
                after: None,
                error: None,
            });
        }

        let actor = admin.principal();
        let changed_ids: Vec<String> = changed.iter().map(|a| a.id.clone()).collect();
        let mut tx = self.core.begin().await?;
        if add {
            let org = admin.course().org().to_string();
            roles::grant_course_role_many(
                &mut tx,
                &course_key,
                &org,
                Role::BetaTester,
                &changed_ids,
                Some(&actor.user_id.0),
            )
            .await?;
            if request.auto_enroll {
                // Enroll those added who are not enrolled yet (never on removal).
                let to_enroll: Vec<&&enrollments::Account> =
                    changed.iter().filter(|a| !enrolled.contains(&a.id)).collect();
                let writes = enrollments::Writes {
                    enroll: to_enroll.iter().map(|a| a.id.clone()).collect(),
                    audit: to_enroll
                        .iter()
                        .map(|a| enrollments::AuditRow {
                            email: a.email.clone(),
                            user_id: Some(a.id.clone()),
                            transition: registrar::enrollment::Transition::UnenrolledToEnrolled.as_str(),
                        })
                        .collect(),
                    ..enrollments::Writes::default()
                };
                let who = enrollments::Actor { id: Some(&actor.user_id.0), label: &actor.username };
                enrollments::apply(&mut tx, &course_key, &writes, who, Some("added as beta tester")).await?;
            }
        } else {
            roles::revoke_course_role_many(&mut tx, &course_key, Role::BetaTester, &changed_ids).await?;
        }
        let entries: Vec<store::audit::Entry<'_>> = changed
            .iter()
            .map(|a| {
                let role_json =
                    serde_json::json!({"role": Role::BetaTester.as_str(), "username": a.username_key});
                store::audit::Entry {
                    actor_id: Some(&actor.user_id.0),
                    actor_label: &actor.username,
                    action: if add { AuditAction::RoleGrant } else { AuditAction::RoleRevoke },
                    target_type: "user",
                    target_id: &a.id,
                    scope: Some(&course_key),
                    before: (!add).then(|| role_json.clone()),
                    after: add.then_some(role_json),
                    reason: None,
                }
            })
            .collect();
        store::audit::append_many(&mut tx, &entries).await?;
        // Beta notices go to accounts only: no invitation link to sign (an empty key signs nothing
        // that would verify).
        self.queue_notices(&mut tx, &course.display_name, &mails, false, &[]).await?;
        let payload = serde_json::json!({"course": course_key, "action": request.action,
            "auto_enroll": request.auto_enroll, "notify": request.notify});
        let report =
            keep_report(&mut tx, &course_key, request.action, rows, &payload, &actor.user_id.0).await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn batch_report(&self, enroller: &CourseEnroller, id: &str) -> Result<BatchReport, DomainError> {
        let not_found = || {
            DomainError::with_message(ErrorCode::NotFound, "There is no such batch report for this course.")
        };
        let job = store::jobs::get(&self.core.db, id).await?.ok_or_else(not_found)?;
        if job.kind != BATCH_JOB_KIND {
            return Err(not_found());
        }
        let mut report: BatchReport = match (job.state.as_str(), job.result.as_deref()) {
            ("succeeded", Some(result)) => serde_json::from_str(result).map_err(internal)?,
            _ => {
                // Queued, running or failed: what was asked, and how far it got.
                let asked: EnrollJob = serde_json::from_str(&job.payload).map_err(internal)?;
                BatchReport {
                    id: job.id.clone(),
                    course: asked.course,
                    action: asked.action,
                    rows: Vec::new(),
                    progress: Some(BatchProgress {
                        state: job.state.clone(),
                        done: job.progress_done,
                        total: job.progress_total,
                        error: (job.state == "failed").then(|| {
                            let why = job.error.clone().unwrap_or_default();
                            format!(
                                "The batch stopped: {why} The entries processed before it stopped are \
                                 kept; submit the list again to finish it."
                            )
                        }),
                    }),
                }
            }
        };
        if report.course != enroller.course().to_string() {
            return Err(not_found());
        }
        report.id = job.id;
        Ok(report)
    }

    async fn roster(
        &self,
        enroller: &CourseEnroller,
        query: RosterQuery,
    ) -> Result<Page<RosterRow>, DomainError> {
        let course = enroller.course().to_string();
        self.core.ensure_course(&course).await?;
        let per_page = ROSTER_PAGE;
        let page = query.page.max(1);
        let offset = i64::from(page - 1) * i64::from(per_page);
        let (rows, total) =
            enrollments::list(&self.core.db, &course, &roster_filter(&query), i64::from(per_page), offset)
                .await?;
        Ok(Page { items: rows.into_iter().map(roster_row).collect(), total, page, per_page })
    }

    async fn roster_export(
        &self,
        enroller: &CourseEnroller,
        query: RosterQuery,
    ) -> Result<Vec<RosterRow>, DomainError> {
        let course = enroller.course().to_string();
        self.core.ensure_course(&course).await?;
        let rows = enrollments::list_all(&self.core.db, &course, &roster_filter(&query)).await?;
        Ok(rows.into_iter().map(roster_row).collect())
    }
}

pub(crate) fn no_course(key: &str) -> DomainError {
    DomainError::with_message(ErrorCode::NotFound, format!("There is no course {key}."))
}

/// Rows per page of a course's enrollment list.
pub(crate) const ROSTER_PAGE: u32 = 50;

pub(crate) fn roster_filter(query: &RosterQuery) -> enrollments::ListFilter<'_> {
    enrollments::ListFilter { search: &query.search, mode: &query.mode, status: query.status }
}

pub(crate) fn roster_row(row: enrollments::ListRow) -> RosterRow {
    RosterRow {
        username: row.username,
        full_name: row.full_name,
        email: row.email,
        mode: row.mode,
        status: RosterStatus::parse(&row.status).unwrap_or(RosterStatus::Invited),
        auto_enroll: row.auto_enroll != 0,
        since: row.since,
    }
}

pub(crate) fn summary(row: courses::CourseRow) -> CourseSummary {
    CourseSummary {
        key: row.key,
        org: row.org,
        name: row.display_name,
        starts_at: row.start_at,
        ends_at: row.end_at,
        active_enrollments: row.active_enrollments,
    }
}
