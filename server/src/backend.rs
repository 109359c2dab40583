//! The use cases behind the Gate: `app::ports::Backend` implemented over the stores.
//!
//! Each method receives a capability minted by the Gate, so it runs only for callers the Gate let
//! through. Database failures are logged with an operation id and surface as `INTERNAL` carrying that
//! id; no database text reaches a caller.

use crate::auth::{password, secret};
use crate::store::{self, courses, enrollments, roles, sessions, throttle, tokens, users, Db};
use app::gate::{
    CourseAdmin, CourseEnroller, CourseStaff, DiscussionManager, GlobalStaff, Me, Public, System,
};
use app::model::{
    AccountView, BatchAction, BatchProgress, BatchReport, BatchRequest, BatchRow, CourseLink, CourseOverview,
    CourseSummary, CurrentUser, ManageUser, ManageUserReport, Page, RosterQuery, RosterRow, RosterStatus,
    TeamMember,
};
use app::ports::{Backend, ClientMeta, CourseQuery, NewSession};
use registrar::account::{validate_full_name, validate_password, Email, Username, ValidRegistration};
use registrar::activation::AccountState;
use registrar::authz::{decide, Action, Principal};
use registrar::enrollment::{plan_enroll, plan_unenroll, Category, Facts};
use registrar::identifiers::{parse_identifiers, Identifier};
use registrar::ids::CourseKey;
use registrar::roles::Role;
use registrar::{DomainError, ErrorCode};
use std::collections::HashMap;
use std::fmt::Display;

/// Sign-in and session policy.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    /// How long a session lives.
    pub session_ttl_ms: i64,
    /// Mark the cookie `Secure` (served over https).
    pub cookie_secure: bool,
    /// Failed sign-ins on one account (or typed identifier) before it locks.
    pub account_failures: i64,
    /// How long the account window (and so the lock) lasts.
    pub account_window_ms: i64,
    /// Failed sign-ins from one address before it is slowed down.
    pub ip_failures: i64,
    /// How long the address window lasts.
    pub ip_window_ms: i64,
    /// Accounts one address may register per registration window.
    pub registrations: i64,
    pub registration_window_ms: i64,
    /// How new accounts start (the default is the "open" policy: set up at once, active once every
    /// required agreement is signed).
    pub activation: registrar::activation::ActivationPolicy,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            session_ttl_ms: 14 * 24 * 3_600_000,
            cookie_secure: false,
            account_failures: 5,
            account_window_ms: 15 * 60_000,
            ip_failures: 30,
            ip_window_ms: 10 * 60_000,
            registrations: 20,
            registration_window_ms: 3_600_000,
            activation: registrar::activation::ActivationPolicy {
                new_users_active: false,
                auto_setup: true,
                first_user_superuser: false,
            },
        }
    }
}

/// The job kind under which batch enrollment reports are kept.
pub const BATCH_JOB_KIND: &str = "enrollment_batch";

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "registrar_session";

/// The server's backend: the database, the policies and the public URL used in mail.
pub struct ServerBackend {
    db: Db,
    policy: AuthPolicy,
    site_url: String,
    retirement: crate::retirement::RetirementSettings,
}

/// Log an internal failure under a fresh operation id and turn it into the error users see.
pub fn internal(error: impl Display) -> DomainError {
    let op = uuid::Uuid::new_v4().simple().to_string();
    let op = op.get(..12).unwrap_or(&op).to_owned();
    tracing::error!(operation_id = %op, error = %error, "internal error");
    DomainError::internal(&op)
}

fn account_key(id_or_identifier: &str) -> String {
    format!("account:{}", id_or_identifier.trim().to_lowercase())
}

impl ServerBackend {
    #[must_use]
    pub fn new(db: Db, policy: AuthPolicy) -> Self {
        Self {
            db,
            policy,
            site_url: "http://127.0.0.1:3000".to_owned(),
            retirement: crate::retirement::RetirementSettings::default(),
        }
    }

    /// Use these retirement settings (validated by the caller).
    #[must_use]
    pub fn with_retirement(mut self, settings: crate::retirement::RetirementSettings) -> Self {
        self.retirement = settings;
        self
    }

    #[must_use]
    pub fn retirement_settings(&self) -> &crate::retirement::RetirementSettings {
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

    /// Open a session inside the caller's transaction; the caller commits.
    async fn open_session_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        user_id: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError> {
        let token = secret::new_secret();
        sessions::create(
            &mut *conn,
            &secret::digest(&token),
            user_id,
            self.policy.session_ttl_ms,
            &client.ip,
            &client.user_agent,
        )
        .await
        .map_err(internal)?;
        users::record_login(&mut *conn, user_id).await.map_err(internal)?;
        Ok(NewSession { token, awaiting: false })
    }

    async fn open_session(&self, user_id: &str, client: &ClientMeta) -> Result<NewSession, DomainError> {
        let mut tx = self.db.pool.begin().await.map_err(internal)?;
        let session = self.open_session_in(&mut tx, user_id, client).await?;
        tx.commit().await.map_err(internal)?;
        Ok(session)
    }

    /// The course, or `NOT_FOUND` naming it.
    async fn existing_course(&self, key: &str) -> Result<courses::CourseRow, DomainError> {
        courses::get(&self.db, key).await.map_err(internal)?.ok_or_else(|| no_course(key))
    }

    /// `NOT_FOUND` naming the course unless it exists; cheaper than [`Self::existing_course`], which
    /// also counts the course's enrollments.
    async fn ensure_course(&self, key: &str) -> Result<(), DomainError> {
        if courses::exists(&self.db, key).await.map_err(internal)? {
            Ok(())
        } else {
            Err(no_course(key))
        }
    }

    /// Queue enrollment notices `(to, user id, notice)` for a course inside the caller's transaction.
    async fn queue_notices(
        &self,
        conn: &mut sqlx::AnyConnection,
        course_name: &str,
        notices: &[(String, Option<String>, registrar::enrollment::Notice)],
        auto_enroll: bool,
    ) -> Result<(), DomainError> {
        let composed: Vec<crate::notices::Composed> = notices
            .iter()
            .map(|(to, _, notice)| {
                crate::notices::enrollment(*notice, course_name, &self.site_url, to, auto_enroll)
            })
            .collect();
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

    /// Everyone holding one of `which` roles in the course.
    pub(crate) async fn team_of(&self, course: &str, which: &[Role]) -> Result<Vec<TeamMember>, DomainError> {
        Ok(roles::course_team(&self.db, course, which)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|r| {
                let role_label =
                    Role::parse(&r.role).map_or_else(|_| r.role.clone(), |role| role.label().to_owned());
                TeamMember {
                    username: r.username,
                    full_name: r.full_name,
                    email: r.email,
                    role: r.role,
                    role_label,
                    since: r.created_at,
                    granted_by: r.granted_by,
                    expires_at: r.expires_at,
                }
            })
            .collect())
    }

    /// Give a course-level role (team or discussion) to the active account with this username or
    /// email, until `expires_at` if set, enrolling it if it is not; audited. Refused when the account
    /// already holds `role` or one of `exclusive`. The caller has checked that `actor` may. Returns the
    /// account's username.
    pub(crate) async fn grant_course_role(
        &self,
        actor: &Principal,
        course_key: &CourseKey,
        identifier: &str,
        role: Role,
        expires_at: Option<i64>,
        exclusive: &[Role],
    ) -> Result<String, DomainError> {
        let course = course_key.to_string();
        self.ensure_course(&course).await?;
        let user = users::find_by_login(&self.db, identifier).await.map_err(internal)?.ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::UserNotFound,
                format!("No account has the username or email '{}'.", identifier.trim()),
            )
            .on_field("identifier")
        })?;
        if !user.is_active.0 {
            return Err(DomainError::with_message(
                ErrorCode::UserInactive,
                format!("{}'s account is not active, so it cannot be given a role.", user.username),
            )
            .on_field("identifier"));
        }
        let grant =
            registrar::roles::Grant { role, scope: registrar::roles::Scope::Course(course_key.clone()) };
        let mut tx = self.db.pool.begin().await.map_err(internal)?;
        roles::lock_course_team(&mut tx, self.db.dialect, &course).await.map_err(internal)?;
        let held = roles::grants_for_user(&mut *tx, &user.id).await.map_err(internal)?;
        let in_course = registrar::roles::Scope::Course(course_key.clone());
        if let Some(other) =
            held.iter().find(|g| g.scope == in_course && exclusive.contains(&g.role) && g.role != role)
        {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleHeld,
                format!(
                    "{} is already {} of this course; change their role instead.",
                    user.username,
                    other.role.label()
                ),
            ));
        }
        let added = roles::grant_until(&mut tx, &user.id, &grant, Some(&actor.user_id.0), expires_at)
            .await
            .map_err(internal)?;
        if !added {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleHeld,
                format!("{} is already {} of this course.", user.username, role.label()),
            ));
        }
        if courses::enroll(&mut *tx, &user.id, &course, "audit").await.map_err(internal)? {
            let writes = enrollments::Writes {
                audit: vec![enrollments::AuditRow {
                    email: user.email.clone(),
                    user_id: Some(user.id.clone()),
                    transition: registrar::enrollment::Transition::UnenrolledToEnrolled.as_str(),
                }],
                ..enrollments::Writes::default()
            };
            let reason = format!("granted the {} role", role.label());
            let actor = enrollments::Actor { id: Some(&actor.user_id.0), label: &actor.username };
            enrollments::apply(&mut tx, &course, &writes, actor, Some(&reason)).await.map_err(internal)?;
        }
        store::audit::append(
            &mut tx,
            &store::audit::Entry {
                actor_id: Some(&actor.user_id.0),
                actor_label: &actor.username,
                action: "role.grant",
                target_type: "user",
                target_id: &user.id,
                scope: Some(&course),
                after: Some(
                    serde_json::json!({"role": role.as_str(), "username": user.username, "expires_at": expires_at}),
                ),
                ..Default::default()
            },
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(user.username)
    }

    /// Take a course-level role away, inside one transaction that holds the course team's lock: never
    /// the last Admin, never your own Admin role, never a course Admin's Discussion Admin role.
    async fn revoke_course_role(
        &self,
        actor: &Principal,
        course_key: &CourseKey,
        username: &str,
        role: Role,
    ) -> Result<(), DomainError> {
        let course = course_key.to_string();
        let user = users::find_by_username(&self.db, username).await.map_err(internal)?.ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::UserNotFound,
                format!("No account has the username '{}'.", username.trim()),
            )
        })?;
        registrar::team::check_removal(&actor.user_id.0, &user.id, role)?;
        let mut tx = self.db.pool.begin().await.map_err(internal)?;
        roles::lock_course_team(&mut tx, self.db.dialect, &course).await.map_err(internal)?;
        // Count, remove, count again, inside the lock: concurrent removals see each other.
        let before =
            roles::count_permanent_course_role(&mut tx, &course, Role::Instructor).await.map_err(internal)?;
        if !roles::revoke_course_role(&mut tx, &user.id, &course, role).await.map_err(internal)? {
            return Err(DomainError::with_message(
                ErrorCode::TeamRoleNotHeld,
                format!("{} is not {} of this course.", user.username, role.label()),
            ));
        }
        let after =
            roles::count_permanent_course_role(&mut tx, &course, Role::Instructor).await.map_err(internal)?;
        registrar::team::check_admins_kept(before, after, "A course")?;
        let target_grants = roles::grants_for_user(&mut *tx, &user.id).await.map_err(internal)?;
        let target_is_admin = registrar::authz::grants_course_admin(&target_grants, course_key);
        registrar::discussion::check_removal(role, target_is_admin, &user.username)?;
        store::audit::append(
            &mut tx,
            &store::audit::Entry {
                actor_id: Some(&actor.user_id.0),
                actor_label: &actor.username,
                action: "role.revoke",
                target_type: "user",
                target_id: &user.id,
                scope: Some(&course),
                before: Some(serde_json::json!({"role": role.as_str(), "username": user.username})),
                ..Default::default()
            },
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)
    }

    /// Plan and write one slice of an enrollment batch inside `tx`: facts for the whole slice in three
    /// queries, then multi-row writes, audit rows and notices. Returns one row per identifier.
    async fn enroll_slice(
        &self,
        tx: &mut sqlx::AnyConnection,
        course: &courses::CourseRow,
        actor: enrollments::Actor<'_>,
        request: &EnrollJob,
        unenroll: bool,
        parsed: &[Identifier],
    ) -> Result<Vec<BatchRow>, DomainError> {
        let course_key = course.key.as_str();
        // Facts for the whole list in three queries.
        let accounts =
            enrollments::accounts_matching(&self.db, &lookup_keys(parsed)).await.map_err(internal)?;
        let by_email: HashMap<&str, &enrollments::Account> =
            accounts.iter().map(|a| (a.email_key.as_str(), a)).collect();
        let by_username: HashMap<&str, &enrollments::Account> =
            accounts.iter().map(|a| (a.username_key.as_str(), a)).collect();
        let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
        let enrolled = enrollments::actively_enrolled(&self.db, course_key, &ids).await.map_err(internal)?;
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
        let invitations =
            enrollments::invitations(&self.db, course_key, &email_keys).await.map_err(internal)?;

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

        enrollments::apply(&mut *tx, course_key, &writes, actor, request.reason.as_deref())
            .await
            .map_err(internal)?;
        self.queue_notices(&mut *tx, &course.display_name, &mails, request.auto_enroll).await?;
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
        let requester =
            users::get(&self.db, &asked.actor_id).await.map_err(internal)?.ok_or_else(no_longer)?;
        let principal = users::principal(&self.db, requester.clone()).await.map_err(internal)?;
        if !decide(&principal, &Action::EnrollLearners(CourseKey::parse(&asked.course)?)).is_allowed() {
            return Err(no_longer());
        }
        let unenroll = asked.action == BatchAction::Unenroll;
        let course = self.existing_course(&asked.course).await?;
        let parsed = parse_identifiers(&asked.identifiers.join("\n"));
        // The rows of slices committed before a restart.
        let mut rows: Vec<BatchRow> = Vec::new();
        for kept in store::jobs::slices(&self.db, &job.id).await.map_err(internal)? {
            rows.extend(serde_json::from_str::<Vec<BatchRow>>(&kept).map_err(internal)?);
        }
        let actor = enrollments::Actor { id: Some(&asked.actor_id), label: &asked.actor_label };
        while rows.len() < parsed.len() {
            let end = (rows.len() + JOB_SLICE).min(parsed.len());
            let mut tx = self.db.pool.begin().await.map_err(internal)?;
            let slice = self
                .enroll_slice(&mut tx, &course, actor, &asked, unenroll, &parsed[rows.len()..end])
                .await?;
            let kept = serde_json::to_string(&slice).map_err(internal)?;
            rows.extend(slice);
            let done = i64::try_from(rows.len()).unwrap_or(i64::MAX);
            if !store::jobs::progress(&mut *tx, &job.id, worker, done, JOB_LEASE_MS)
                .await
                .map_err(internal)?
            {
                return Ok(false);
            }
            store::jobs::keep_slice(&mut tx, &job.id, done, &kept).await.map_err(internal)?;
            tx.commit().await.map_err(internal)?;
        }
        let report = BatchReport {
            id: job.id.clone(),
            course: asked.course.clone(),
            action: asked.action,
            rows,
            progress: None,
        };
        let result = serde_json::to_value(&report).map_err(internal)?;
        let mut tx = self.db.pool.begin().await.map_err(internal)?;
        if !store::jobs::complete(&mut *tx, &job.id, worker, &result).await.map_err(internal)? {
            return Ok(false);
        }
        store::jobs::drop_slices(&mut tx, &job.id).await.map_err(internal)?;
        let counts: Vec<(&str, usize)> = Category::ALL
            .iter()
            .map(|c| (c.label(), report.rows.iter().filter(|r| r.category == *c).count()))
            .filter(|(_, n)| *n > 0)
            .collect();
        let message = crate::notices::batch_finished(
            &course.display_name,
            &asked.course,
            &self.site_url,
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
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(true)
    }

    /// Count this attempt on every key and refuse once any is over its limit.
    pub(crate) async fn count_failed_attempt(
        &self,
        ip_key: &str,
        account_keys: &[String],
    ) -> Result<(), DomainError> {
        let p = &self.policy;
        let from_ip = throttle::hit(&self.db, ip_key, p.ip_window_ms).await.map_err(internal)?;
        let mut locked = false;
        for key in account_keys {
            locked |= throttle::hit(&self.db, key, p.account_window_ms).await.map_err(internal)?
                > p.account_failures;
        }
        if locked {
            Err(ErrorCode::AuthLocked.into())
        } else if from_ip > p.ip_failures {
            Err(ErrorCode::AuthThrottled.into())
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl Backend for ServerBackend {
    async fn sign_in(
        &self,
        _public: &Public,
        identifier: &str,
        password: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError> {
        if identifier.trim().is_empty() {
            return Err(DomainError::with_message(ErrorCode::InputInvalid, "Enter your username or email.")
                .on_field("identifier"));
        }
        if password.is_empty() {
            return Err(DomainError::with_message(ErrorCode::InputInvalid, "Enter your password.")
                .on_field("password"));
        }
        let ip_key = format!("ip:{}", client.ip);
        let user = users::find_by_login(&self.db, identifier).await.map_err(internal)?;
        // Lock on both the typed identifier and the account, so unknown names lock like real ones.
        let mut account_keys = vec![account_key(identifier)];
        if let Some(u) = &user {
            account_keys.push(account_key(&u.id));
        }
        self.count_failed_attempt(&ip_key, &account_keys).await?;
        let ok = password::verify(password, user.as_ref().and_then(|u| u.password_hash.as_deref()))
            .await
            .map_err(internal)?;
        let Some(user) = user.filter(|_| ok) else {
            return Err(ErrorCode::AuthBadCredentials.into());
        };
        if !user.is_active.0 && user.state == AccountState::Invited.as_str() {
            // Set up, not active yet: signed in only to sign the agreements it must sign.
            for key in &account_keys {
                throttle::clear(&self.db, key).await.map_err(internal)?;
            }
            let mut session = self.open_session(&user.id, client).await?;
            session.awaiting = true;
            return Ok(session);
        }
        if !user.is_active.0 && user.state == AccountState::Deactivated.as_str() {
            return Err(DomainError::with_message(
                ErrorCode::AuthInactive,
                "This account has been deactivated. Contact your administrator to have it set up again.",
            ));
        }
        if !user.is_active.0 && user.state == AccountState::New.as_str() {
            return Err(DomainError::with_message(
                ErrorCode::AuthInactive,
                "This account has not been set up yet: an administrator must invite it before you can sign in.",
            ));
        }
        if !user.is_active.0 {
            // The password was right, so saying why is safe: a queued deletion says how to cancel.
            if let Some(status) = crate::store::retirement::for_user(&self.db.pool, &user.id)
                .await
                .map_err(internal)?
                .filter(|s| s.current_state == registrar::retirement::PENDING)
            {
                return Err(DomainError::with_message(
                    ErrorCode::AuthInactive,
                    format!(
                        "This account is queued for deletion on {}. To keep it, use the link in the email we sent \
                         when the deletion was requested.",
                        app::model::format_date(status.due_at)
                    ),
                ));
            }
            return Err(ErrorCode::AuthInactive.into());
        }
        // A success wipes the account's count and takes this attempt back from the address's.
        for key in &account_keys {
            throttle::clear(&self.db, key).await.map_err(internal)?;
        }
        throttle::forgive(&self.db, &ip_key).await.map_err(internal)?;
        self.open_session(&user.id, client).await
    }

    async fn register(
        &self,
        _public: &Public,
        registration: ValidRegistration,
        password: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError> {
        let key = format!("register:{}", client.ip);
        if throttle::hit(&self.db, &key, self.policy.registration_window_ms).await.map_err(internal)?
            > self.policy.registrations
        {
            return Err(DomainError::with_message(
                ErrorCode::AuthThrottled,
                "Too many accounts were created from your network recently. Try again later.",
            ));
        }
        self.check_not_retired(registration.username.as_str(), registration.email.as_str()).await?;
        let hash = password::hash(password).await.map_err(internal)?;
        let start = self.account_start(registration.email.as_str()).await?;
        let mut tx = self.db.pool.begin().await.map_err(internal)?;
        let new = users::NewUser {
            username: registration.username.as_str(),
            email: registration.email.as_str(),
            full_name: &registration.full_name,
            password_hash: Some(&hash),
            is_active: start.state == AccountState::Active,
            is_staff: false,
            is_superuser: start.superuser,
            state: start.state,
        };
        let id = users::insert(&mut *tx, &new).await.map_err(|e| match e {
            users::WriteError::UsernameTaken => {
                DomainError::new(ErrorCode::UsernameTaken).on_field("username")
            }
            users::WriteError::EmailTaken => DomainError::new(ErrorCode::EmailTaken).on_field("email"),
            users::WriteError::Db(e) => internal(e),
        })?;
        store::audit::append(
            &mut tx,
            &store::audit::Entry {
                actor_id: Some(&id),
                actor_label: registration.username.as_str(),
                action: "user.register",
                target_type: "user",
                target_id: &id,
                after: Some(serde_json::json!({
                    "username": registration.username.as_str(),
                    "email": registration.email.as_str(),
                    "full_name": registration.full_name,
                })),
                ..Default::default()
            },
        )
        .await
        .map_err(internal)?;
        enrollments::redeem_invitations(&mut tx, &id, registration.email.as_str()).await.map_err(internal)?;
        crate::sharing::redeem_team_invitations(
            &mut tx,
            &id,
            registration.username.as_str(),
            registration.email.as_str(),
        )
        .await
        .map_err(internal)?;
        self.settle_new_account(&mut tx, &id, registration.username.as_str(), &start).await?;
        if start.state == AccountState::New {
            tx.commit().await.map_err(internal)?;
            return Err(DomainError::with_message(
                ErrorCode::ActivationBlocked,
                format!(
                    "Your account {} was created. An administrator must set it up before you can sign in; \
                     you will get an email when they do.",
                    registration.username.as_str()
                ),
            ));
        }
        let mut session = self.open_session_in(&mut tx, &id, client).await?;
        session.awaiting = start.state == AccountState::Invited;
        tx.commit().await.map_err(internal)?;
        Ok(session)
    }

    async fn sign_out(&self, me: &Me) -> Result<(), DomainError> {
        if let Some(session) = me.session_id() {
            sessions::delete(&self.db, session).await.map_err(internal)?;
        }
        Ok(())
    }

    async fn current_user(&self, me: &Me) -> Result<CurrentUser, DomainError> {
        let p = me.principal();
        let user =
            users::get(&self.db, &p.user_id.0).await.map_err(internal)?.ok_or(ErrorCode::AuthRequired)?;
        let dashboards = courses::dashboards_of(&self.db, &user.id)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|(key, name)| CourseLink { key, name })
            .collect();
        let console = self.console_sections_of(&user).await?;
        let agreements_due = self.agreements_due(&user.id).await?;
        Ok(CurrentUser {
            username: user.username,
            full_name: user.full_name,
            email: user.email,
            is_staff: user.is_staff.0,
            is_superuser: user.is_superuser.0,
            dashboards,
            console,
            agreements_due,
            awaiting: false,
        })
    }

    async fn account(&self, me: &Me) -> Result<AccountView, DomainError> {
        let id = &me.principal().user_id.0;
        let user = users::get(&self.db, id).await.map_err(internal)?.ok_or(ErrorCode::AuthRequired)?;
        let enrollments = courses::enrollments_of(&self.db, id)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|(key, name)| CourseLink { key, name })
            .collect();
        let active_sessions = sessions::count_live(&self.db, id).await.map_err(internal)?;
        Ok(AccountView {
            username: user.username,
            email: user.email,
            full_name: user.full_name,
            date_joined: user.date_joined,
            last_login: user.last_login,
            enrollments,
            active_sessions,
        })
    }

    async fn list_courses(
        &self,
        _staff: &GlobalStaff,
        query: CourseQuery,
    ) -> Result<Page<CourseSummary>, DomainError> {
        let per_page = query.per_page.clamp(1, 200);
        let page = query.page.max(1);
        let offset = i64::from(page - 1) * i64::from(per_page);
        let (rows, total) =
            courses::search(&self.db, &query.search, i64::from(per_page), offset).await.map_err(internal)?;
        Ok(Page { items: rows.into_iter().map(summary).collect(), total, page, per_page })
    }

    async fn course_overview(&self, staff: &CourseStaff) -> Result<CourseOverview, DomainError> {
        let key = staff.course().to_string();
        let row = self.existing_course(&key).await?;
        let team = self.team_of(&key, &registrar::team::TEAM_ROLES).await?;
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
        let unenroll = match request.action {
            BatchAction::Enroll => false,
            BatchAction::Unenroll => true,
            BatchAction::AddBetaTesters | BatchAction::RemoveBetaTesters => {
                return Err(DomainError::with_message(
                    ErrorCode::InputInvalid,
                    "The action must be enroll or unenroll.",
                ))
            }
        };
        let parsed = parse_batch(&request.identifiers)?;
        let course_key = enroller.course().to_string();
        let course = self.existing_course(&course_key).await?;
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
        let mut tx = self.db.pool.begin().await.map_err(internal)?;
        if parsed.len() > app::api::membership::INLINE_BATCH {
            // Long lists run in the background; the page follows the job's progress.
            let total = i64::try_from(parsed.len()).unwrap_or(i64::MAX);
            let payload =
                EnrollJob { identifiers: parsed.iter().map(|i| i.text().to_owned()).collect(), ..payload };
            let value = serde_json::to_value(&payload).map_err(internal)?;
            let id =
                store::jobs::enqueue(&mut *tx, BATCH_JOB_KIND, &value, Some(&principal.user_id.0), total)
                    .await
                    .map_err(internal)?;
            tx.commit().await.map_err(internal)?;
            return Ok(BatchReport {
                id,
                course: course_key,
                action: request.action,
                rows: Vec::new(),
                progress: Some(BatchProgress { state: "queued".into(), done: 0, total, error: None }),
            });
        }
        let actor = enrollments::Actor { id: Some(&principal.user_id.0), label: &principal.username };
        let rows = self.enroll_slice(&mut tx, &course, actor, &payload, unenroll, &parsed).await?;
        let value = serde_json::to_value(&payload).map_err(internal)?;
        let report =
            keep_report(&mut tx, &course_key, request.action, rows, &value, &principal.user_id.0).await?;
        tx.commit().await.map_err(internal)?;
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
        let accounts =
            enrollments::accounts_matching(&self.db, &lookup_keys(&parsed)).await.map_err(internal)?;
        let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
        let beta = roles::holders(&self.db, &course_key, Role::BetaTester, &ids).await.map_err(internal)?;
        let enrolled = enrollments::actively_enrolled(&self.db, &course_key, &ids).await.map_err(internal)?;

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
        let mut tx = self.db.pool.begin().await.map_err(internal)?;
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
            .await
            .map_err(internal)?;
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
                enrollments::apply(&mut tx, &course_key, &writes, who, Some("added as beta tester"))
                    .await
                    .map_err(internal)?;
            }
        } else {
            roles::revoke_course_role_many(&mut tx, &course_key, Role::BetaTester, &changed_ids)
                .await
                .map_err(internal)?;
        }
        let entries: Vec<store::audit::Entry<'_>> = changed
            .iter()
            .map(|a| {
                let role_json =
                    serde_json::json!({"role": Role::BetaTester.as_str(), "username": a.username_key});
                store::audit::Entry {
                    actor_id: Some(&actor.user_id.0),
                    actor_label: &actor.username,
                    action: if add { "role.grant" } else { "role.revoke" },
                    target_type: "user",
                    target_id: &a.id,
                    scope: Some(&course_key),
                    before: (!add).then(|| role_json.clone()),
                    after: add.then_some(role_json),
                    reason: None,
                }
            })
            .collect();
        store::audit::append_many(&mut tx, &entries).await.map_err(internal)?;
        self.queue_notices(&mut tx, &course.display_name, &mails, false).await?;
        let payload = serde_json::json!({"course": course_key, "action": request.action,
            "auto_enroll": request.auto_enroll, "notify": request.notify});
        let report =
            keep_report(&mut tx, &course_key, request.action, rows, &payload, &actor.user_id.0).await?;
        tx.commit().await.map_err(internal)?;
        Ok(report)
    }

    async fn batch_report(&self, enroller: &CourseEnroller, id: &str) -> Result<BatchReport, DomainError> {
        let not_found = || {
            DomainError::with_message(ErrorCode::NotFound, "There is no such batch report for this course.")
        };
        let job = store::jobs::get(&self.db, id).await.map_err(internal)?.ok_or_else(not_found)?;
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
        self.ensure_course(&course).await?;
        let per_page = ROSTER_PAGE;
        let page = query.page.max(1);
        let offset = i64::from(page - 1) * i64::from(per_page);
        let (rows, total) =
            enrollments::list(&self.db, &course, &roster_filter(&query), i64::from(per_page), offset)
                .await
                .map_err(internal)?;
        Ok(Page { items: rows.into_iter().map(roster_row).collect(), total, page, per_page })
    }

    async fn roster_export(
        &self,
        enroller: &CourseEnroller,
        query: RosterQuery,
    ) -> Result<Vec<RosterRow>, DomainError> {
        let course = enroller.course().to_string();
        self.ensure_course(&course).await?;
        let rows =
            enrollments::list_all(&self.db, &course, &roster_filter(&query)).await.map_err(internal)?;
        Ok(rows.into_iter().map(roster_row).collect())
    }

    async fn course_team(&self, admin: &CourseAdmin) -> Result<Vec<TeamMember>, DomainError> {
        self.team_of(&admin.course().to_string(), &registrar::team::TEAM_ROLES).await
    }

    async fn add_team_member(
        &self,
        admin: &CourseAdmin,
        identifier: &str,
        role: Role,
    ) -> Result<(), DomainError> {
        self.grant_course_role(admin.principal(), admin.course(), identifier, role, None, &[]).await.map(drop)
    }

    async fn remove_team_member(
        &self,
        admin: &CourseAdmin,
        username: &str,
        role: Role,
    ) -> Result<(), DomainError> {
        self.revoke_course_role(admin.principal(), admin.course(), username, role).await
    }

    async fn discussion_team(&self, manager: &DiscussionManager) -> Result<Vec<TeamMember>, DomainError> {
        self.team_of(&manager.course().to_string(), &registrar::discussion::DISCUSSION_ROLES).await
    }

    async fn add_discussion_role(
        &self,
        manager: &DiscussionManager,
        identifier: &str,
        role: Role,
    ) -> Result<(), DomainError> {
        registrar::discussion::check_manage(manager.principal(), manager.course(), role)?;
        self.grant_course_role(manager.principal(), manager.course(), identifier, role, None, &[])
            .await
            .map(drop)
    }

    async fn remove_discussion_role(
        &self,
        manager: &DiscussionManager,
        username: &str,
        role: Role,
    ) -> Result<(), DomainError> {
        registrar::discussion::check_manage(manager.principal(), manager.course(), role)?;
        self.revoke_course_role(manager.principal(), manager.course(), username, role).await
    }

    async fn manage_user(&self, admin: &System, req: ManageUser) -> Result<ManageUserReport, DomainError> {
        let username = Username::parse(&req.username)?;
        let email = Email::parse(&req.email)?;
        let full_name = match &req.full_name {
            Some(name) => Some(validate_full_name(name)?),
            None => None,
        };
        if req.password.is_some() && req.unusable_password {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Choose either a password or --unusable-password, not both.",
            ));
        }
        if let Some(pw) = &req.password {
            validate_password(pw, username.as_str(), email.as_str())?;
        }
        let hash = match &req.password {
            Some(pw) => Some(password::hash(pw).await.map_err(internal)?),
            None => None,
        };
        let mut group_ids = Vec::new();
        for name in req.groups.iter().flatten() {
            let group =
                store::groups::find_by_name(&self.db, name).await.map_err(internal)?.ok_or_else(|| {
                    DomainError::with_message(
                        ErrorCode::NotFound,
                        format!("There is no group '{}'; nothing was changed.", name.trim()),
                    )
                })?;
            group_ids.push((group.id, group.name));
        }
        let existing = users::find_by_username(&self.db, username.as_str()).await.map_err(internal)?;
        let mut tx = self.db.pool.begin().await.map_err(internal)?;
        let (id, mut report, before, after) = match existing {
            Some(user) => {
                if user.email.to_lowercase() != email.folded() {
                    return Err(DomainError::with_message(
                        ErrorCode::InputInvalid,
                        format!(
                            "User {} exists with the email {}, not {}; nothing was changed.",
                            user.username,
                            user.email,
                            email.as_str()
                        ),
                    ));
                }
                let mut changes = Vec::new();
                let flag = |name: &str, from: bool, to: bool, changes: &mut Vec<String>| {
                    if from != to {
                        changes.push(format!("{name}: {from} -> {to}"));
                    }
                };
                flag("is_staff", user.is_staff.0, req.is_staff, &mut changes);
                flag("is_superuser", user.is_superuser.0, req.is_superuser, &mut changes);
                let password_change = if req.unusable_password {
                    (user.password_hash.is_some())
                        .then(|| changes.push("password: made unusable".to_owned()));
                    Some(None)
                } else if let Some(h) = &hash {
                    changes.push("password: set".to_owned());
                    Some(Some(h.as_str()))
                } else {
                    None
                };
                let new_name = full_name.as_deref().filter(|n| *n != user.full_name);
                if let Some(name) = new_name {
                    changes.push(format!("full_name: {} -> {name}", user.full_name));
                }
                let reduced =
                    (user.is_staff.0 && !req.is_staff) || (user.is_superuser.0 && !req.is_superuser);
                let ends_sessions = password_change.is_some() || reduced;
                users::update(
                    &mut *tx,
                    &user.id,
                    &users::Update {
                        full_name: new_name,
                        is_staff: req.is_staff,
                        is_superuser: req.is_superuser,
                        password_hash: password_change,
                    },
                )
                .await
                .map_err(internal)?;
                if ends_sessions {
                    // New credentials or fewer privileges: nothing signed in under the old ones survives.
                    let ended = sessions::delete_for_user(&mut *tx, &user.id).await.map_err(internal)?;
                    let revoked = tokens::revoke_for_user(&mut *tx, &user.id).await.map_err(internal)?;
                    if ended + revoked > 0 {
                        changes.push(format!("ended {ended} session(s) and revoked {revoked} token(s)"));
                    }
                }
                let before =
                    serde_json::json!({"is_staff": user.is_staff.0, "is_superuser": user.is_superuser.0});
                let after = serde_json::json!({"is_staff": req.is_staff, "is_superuser": req.is_superuser});
                (user.id, ManageUserReport { created: false, changes }, Some(before), after)
            }
            None => {
                let name = full_name.clone().unwrap_or_else(|| username.as_str().to_owned());
                let new = users::NewUser {
                    username: username.as_str(),
                    email: email.as_str(),
                    full_name: &name,
                    password_hash: hash.as_deref(),
                    is_active: true,
                    is_staff: req.is_staff,
                    is_superuser: req.is_superuser,
                    state: AccountState::Active,
                };
                let id = users::insert(&mut *tx, &new).await.map_err(|e| match e {
                    users::WriteError::UsernameTaken => DomainError::new(ErrorCode::UsernameTaken),
                    users::WriteError::EmailTaken => DomainError::new(ErrorCode::EmailTaken),
                    users::WriteError::Db(e) => internal(e),
                })?;
                let password_state = if hash.is_some() { "set" } else { "unusable" };
                let changes = vec![
                    format!("email: {}", email.as_str()),
                    format!("is_staff: {}", req.is_staff),
                    format!("is_superuser: {}", req.is_superuser),
                    format!("password: {password_state}"),
                ];
                let after = serde_json::json!({
                    "username": username.as_str(), "email": email.as_str(), "full_name": name,
                    "is_staff": req.is_staff, "is_superuser": req.is_superuser,
                });
                (id, ManageUserReport { created: true, changes }, None, after)
            }
        };
        if req.groups.is_some() {
            let wanted: Vec<String> = group_ids.iter().map(|(id, _)| id.clone()).collect();
            let current: Vec<(String, String)> = sqlx::query_as(
                "SELECT g.id, g.name FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = $1",
            )
            .bind(&id)
            .fetch_all(&mut *tx)
            .await
            .map_err(internal)?;
            for (group_id, name) in current.iter().filter(|(g, _)| !wanted.contains(g)) {
                store::groups::remove_member(&mut tx, group_id, &id).await.map_err(internal)?;
                report.changes.push(format!("left group {name}"));
            }
            for (group_id, name) in group_ids.iter().filter(|(g, _)| !current.iter().any(|(c, _)| c == g)) {
                store::groups::add_members(&mut tx, group_id, std::slice::from_ref(&id))
                    .await
                    .map_err(internal)?;
                report.changes.push(format!("joined group {name}"));
            }
        }
        if report.created || !report.changes.is_empty() {
            store::audit::append(
                &mut tx,
                &store::audit::Entry {
                    actor_label: admin.actor(),
                    action: if report.created { "user.create" } else { "user.update" },
                    target_type: "user",
                    target_id: &id,
                    before,
                    after: Some(after),
                    ..Default::default()
                },
            )
            .await
            .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        Ok(report)
    }

    async fn issue_token(
        &self,
        admin: &System,
        username: &str,
        name: &str,
        expires_at: Option<i64>,
    ) -> Result<String, DomainError> {
        let user = users::find_by_username(&self.db, username).await.map_err(internal)?.ok_or_else(|| {
            DomainError::with_message(ErrorCode::NotFound, format!("There is no user {username}."))
        })?;
        if !user.is_active.0 {
            return Err(DomainError::with_message(
                ErrorCode::AuthInactive,
                format!("User {username} is not active."),
            ));
        }
        let token = secret::new_secret();
        let mut tx = self.db.pool.begin().await.map_err(internal)?;
        let id = tokens::create(&mut *tx, &secret::digest(&token), &user.id, name, expires_at)
            .await
            .map_err(internal)?;
        store::audit::append(
            &mut tx,
            &store::audit::Entry {
                actor_label: admin.actor(),
                action: "token.issue",
                target_type: "api_token",
                target_id: &id,
                after: Some(
                    serde_json::json!({"user": user.username, "name": name, "expires_at": expires_at}),
                ),
                ..Default::default()
            },
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(token)
    }

    fn session_cookie(&self, token: Option<&str>) -> String {
        let secure = if self.policy.cookie_secure { "; Secure" } else { "" };
        match token {
            Some(token) => format!(
                "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
                self.policy.session_ttl_ms / 1000
            ),
            None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
        }
    }
}

/// Entries per transaction in a background batch (and per step of its progress bar).
const JOB_SLICE: usize = 2_000;
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

fn no_course(key: &str) -> DomainError {
    DomainError::with_message(ErrorCode::NotFound, format!("There is no course {key}."))
}

/// Rows per page of a course's enrollment list.
const ROSTER_PAGE: u32 = 50;

fn roster_filter(query: &RosterQuery) -> enrollments::ListFilter<'_> {
    enrollments::ListFilter { search: &query.search, mode: &query.mode, status: query.status }
}

fn roster_row(row: enrollments::ListRow) -> RosterRow {
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

/// Keep a finished batch's report (as a finished job) inside its transaction; returns it with its id.
async fn keep_report(
    conn: &mut sqlx::AnyConnection,
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
            .await
            .map_err(internal)?;
    Ok(report)
}

/// The lower-cased usernames and emails of a parsed list, for one lookup of the accounts they name.
fn lookup_keys(parsed: &[Identifier]) -> Vec<String> {
    parsed
        .iter()
        .filter_map(|i| match i {
            Identifier::Email(s) | Identifier::Username(s) => Some(s.to_lowercase()),
            Identifier::Invalid(_) => None,
        })
        .collect()
}

/// Split a batch's list, refusing an empty one or one over the size limit with a message that says so.
fn parse_batch(identifiers: &str) -> Result<Vec<Identifier>, DomainError> {
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

fn invalid_row(identifier: &str, why: &str) -> BatchRow {
    BatchRow {
        identifier: identifier.to_owned(),
        category: Category::Invalid,
        before: None,
        after: None,
        error: Some(why.to_owned()),
    }
}

fn summary(row: courses::CourseRow) -> CourseSummary {
    CourseSummary {
        key: row.key,
        org: row.org,
        name: row.display_name,
        starts_at: row.start_at,
        ends_at: row.end_at,
        active_enrollments: row.active_enrollments,
    }
}
