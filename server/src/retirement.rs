//! Account deletion (the retirement pipeline): `app::ports::Retirement` over the stores, the
//! built-in worker's batch step, the management commands' use cases, and signed cancel links.
//!
//! The rules (state list, transitions, retired names) are `registrar::retirement`'s; what each stage
//! does to which table is `store::personal_data`'s. This module decides who, when and in which
//! transaction.

use crate::backend::{internal, ServerBackend};
use crate::store::enrollments::Actor;
use crate::store::personal_data::{self, Subject};
use crate::store::retirement::{self as rs, StatusRow};
use crate::store::{self, now_ms, outbox, sessions, throttle, tokens, users};
use app::gate::{GlobalStaff, Me, Public, RetirementWorker, System};
use app::model::{
    format_date, CancelDeletionPage, DeletionInfo, DeletionQueued, OutboxMail, RetirementDashboard,
    RetirementDetail, RetirementEvent, RetirementStateInfo, RetirementSummary, ServiceProfile,
    ServiceRetirement, ServiceState, ServiceUser, StateSync,
};
use app::ports::{ClientMeta, QueueQuery, Retirement};
use hmac::{Hmac, Mac};
use registrar::retirement::{
    check_transition, RetiredNames, ReusePolicy, StateList, TransitionKind, ABORTED, COMPLETE, ERRORED,
    PENDING,
};
use registrar::{DomainError, ErrorCode};
use sha2::Sha256;

/// Retirement configuration (validated at start).
#[derive(Debug, Clone)]
pub struct RetirementSettings {
    pub states: StateList,
    pub names: RetiredNames,
    pub cool_off_days: u32,
    /// Days after COMPLETE before the retirement's own record is redacted.
    pub cleanup_days: u32,
    pub service_username: String,
    pub reuse: ReusePolicy,
    /// Whether this server's worker runs the stages (off when an external driver does).
    pub builtin_worker: bool,
    /// Learners per worker batch.
    pub batch_size: i64,
    /// Failed attempts at one stage before the learner goes to ERRORED.
    pub max_attempts: i64,
}

impl Default for RetirementSettings {
    fn default() -> Self {
        Self {
            states: StateList::default_list(),
            names: RetiredNames::open_edx_defaults(),
            cool_off_days: 14,
            cleanup_days: 30,
            service_username: "RETIREMENT_SERVICE_USER".to_owned(),
            reuse: ReusePolicy::Forever,
            builtin_worker: true,
            batch_size: 500,
            max_attempts: 5,
        }
    }
}

/// How long the built-in worker holds a batch, and an external driver a learner, before another may.
pub const WORKER_LEASE_MS: i64 = 5 * 60_000;
pub const SERVICE_LEASE_MS: i64 = 60 * 60_000;
const DAY_MS: i64 = 86_400_000;
/// How long a mailed confirmation link for an account without a password works.
const CONFIRM_LINK_MS: i64 = 3_600_000;

fn not_found(who: &str) -> DomainError {
    DomainError::with_message(ErrorCode::RetirementNotFound, format!("There is no retirement for '{who}'."))
}

fn bad_transition(e: &registrar::retirement::TransitionError) -> DomainError {
    DomainError::with_message(ErrorCode::RetirementBadTransition, e.to_string())
}

fn subject(s: &StatusRow) -> Subject {
    Subject {
        user_id: s.user_id.clone(),
        username: s.original_username.clone(),
        email: s.original_email.clone(),
        full_name: s.original_name.clone(),
        retired_username: s.retired_username.clone(),
        retired_email: s.retired_email.clone(),
    }
}

fn summary(s: StatusRow) -> RetirementSummary {
    RetirementSummary {
        id: s.id,
        original_username: s.original_username,
        original_email: s.original_email,
        retired_username: s.retired_username,
        current_state: s.current_state,
        created_at: s.created_at,
        due_at: s.due_at,
        modified_at: s.modified_at,
        attempts: s.attempts,
        last_error: s.last_error,
        leased_by: s.lease_until.filter(|t| *t > now_ms()).and(s.leased_by),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn iso(ms: i64) -> String {
    let secs = ms.rem_euclid(DAY_MS) / 1000;
    format!("{}T{:02}:{:02}:{:02}Z", format_date(ms), secs / 3600, secs / 60 % 60, secs % 60)
}

impl ServerBackend {
    fn settings(&self) -> &RetirementSettings {
        self.retirement_settings()
    }

    fn service_state(&self, name: &str) -> ServiceState {
        let step = self.settings().states.step(name).unwrap_or(0);
        ServiceState { id: step, state_name: name.to_owned(), state_execution_order: step }
    }

    /// The service API's view of retirements, with their users read in one query.
    async fn service_views(&self, rows: Vec<StatusRow>) -> Result<Vec<ServiceRetirement>, DomainError> {
        let ids: Vec<String> = rows.iter().map(|r| r.user_id.clone()).collect();
        let mut people: std::collections::HashMap<String, (String, String, String)> =
            std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(store::ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT id, username, email, full_name FROM users WHERE id IN ({})",
                store::list_placeholders(1, chunk.len())
            );
            let mut q = sqlx::query_as::<_, (String, String, String, String)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id);
            }
            for (id, username, email, name) in q.fetch_all(&self.db().pool).await.map_err(internal)? {
                people.insert(id, (username, email, name));
            }
        }
        Ok(rows
            .into_iter()
            .map(|s| {
                let (username, email, name) = people.remove(&s.user_id).unwrap_or_default();
                ServiceRetirement {
                    id: s.id,
                    user: ServiceUser {
                        id: s.user_id.clone(),
                        username,
                        email,
                        profile: ServiceProfile { id: s.user_id, name },
                    },
                    current_state: self.service_state(&s.current_state),
                    last_state: self.service_state(&s.last_state),
                    created: iso(s.created_at),
                    modified: iso(s.modified_at),
                    original_username: s.original_username,
                    original_email: s.original_email,
                    original_name: s.original_name,
                    retired_username: s.retired_username,
                    retired_email: s.retired_email,
                }
            })
            .collect())
    }

    /// The key that signs links, shared by every server through the database.
    pub(crate) async fn link_key(&self) -> Result<Vec<u8>, DomainError> {
        let name = "link_signing_key";
        if let Some((value,)) =
            sqlx::query_as::<_, (String,)>("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.db().pool)
                .await
                .map_err(internal)?
        {
            return hex::decode(value).map_err(internal);
        }
        let fresh = crate::auth::secret::new_secret();
        let value = hex::encode(crate::auth::secret::digest(&fresh));
        // Two servers racing: the first insert wins and both read it back.
        let _ = sqlx::query("INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3)")
            .bind(name)
            .bind(&value)
            .bind(now_ms())
            .execute(&self.db().pool)
            .await;
        let (value,): (String,) = sqlx::query_as("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.db().pool)
            .await
            .map_err(internal)?;
        hex::decode(value).map_err(internal)
    }

    /// A link token naming `id` for `purpose` until `until`, signed with `key` (see [`Self::link_key`]).
    pub(crate) fn sign(key: &[u8], purpose: &str, id: &str, until: i64) -> Result<String, DomainError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(internal)?;
        mac.update(format!("{purpose}:{id}:{until}").as_bytes());
        Ok(format!("{id}.{until}.{}", hex::encode(mac.finalize().into_bytes())))
    }

    /// The id a signed link names, if the signature is ours and the link has not expired.
    pub(crate) async fn verify_link(&self, purpose: &str, token: &str) -> Result<String, DomainError> {
        let invalid = || DomainError::new(ErrorCode::LinkInvalid);
        let mut parts = token.trim().splitn(3, '.');
        let (Some(id), Some(until), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        let until_ms: i64 = until.parse().map_err(|_| invalid())?;
        let sig = hex::decode(sig).map_err(|_| invalid())?;
        let key = self.link_key().await?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(internal)?;
        mac.update(format!("{purpose}:{id}:{until_ms}").as_bytes());
        mac.verify_slice(&sig).map_err(|_| invalid())?;
        if now_ms() >= until_ms {
            return Err(DomainError::with_message(
                ErrorCode::LinkInvalid,
                format!("This link expired on {}.", format_date(until_ms)),
            ));
        }
        Ok(id.to_owned())
    }

    /// Queue `user` for deletion in one transaction: status, deactivation, sessions and tokens
    /// ended, and (for learners) the mail with the cancel link.
    async fn queue_deletion(
        &self,
        user: &users::UserRow,
        source: &str,
        actor: &str,
        actor_id: Option<&str>,
        reason: Option<&str>,
        mail: bool,
    ) -> Result<StatusRow, DomainError> {
        let settings = self.settings();
        let existing = rs::for_user(&self.db().pool, &user.id).await.map_err(internal)?;
        // An aborted retirement is over: a new request replaces it (its history stays in the audit log).
        let replaced = existing.as_ref().filter(|e| e.current_state == ABORTED).map(|e| e.id.clone());
        if let Some(existing) = existing.filter(|e| e.current_state != ABORTED) {
            return Err(DomainError::with_message(
                ErrorCode::RetirementPending,
                format!(
                    "{} is already queued for deletion (since {}, {}).",
                    if source == "learner" { "Your account".to_owned() } else { user.username.clone() },
                    format_date(existing.created_at),
                    existing.current_state
                ),
            ));
        }
        let due = registrar::retirement::due_at(now_ms(), settings.cool_off_days);
        let retired_username = settings.names.username(&user.username);
        let retired_email = settings.names.email(&user.email);
        // Read (or create) the signing key before the transaction takes SQLite's write lock.
        let key = if mail { self.link_key().await? } else { Vec::new() };
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        if let Some(old) = &replaced {
            rs::delete_status(&mut tx, old).await.map_err(internal)?;
        }
        let id = rs::create(
            &mut tx,
            &rs::NewStatus {
                user_id: &user.id,
                original_username: &user.username,
                original_email: &user.email,
                original_name: &user.full_name,
                retired_username: &retired_username,
                retired_email: &retired_email,
                due_at: due,
                source,
            },
            actor,
        )
        .await
        .map_err(internal)?;
        let no = if self.db().dialect == store::Dialect::Postgres { "FALSE" } else { "0" };
        sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE users SET is_active = {no} WHERE id = $1")))
            .bind(&user.id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        sessions::delete_for_user(&mut *tx, &user.id).await.map_err(internal)?;
        tokens::revoke_for_user(&mut *tx, &user.id).await.map_err(internal)?;
        sqlx::query("UPDATE oauth_clients SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(&user.id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        if mail {
            let token = Self::sign(&key, "cancel", &id, due)?;
            let link = format!("{}/account/cancel-deletion?token={token}", self.site_url());
            let body = format!(
                "Hello {},\n\nWe received a request to delete your account {} on Registrar. It will be deleted on \
                 {} (UTC).\n\nChanged your mind? Cancel the deletion before then:\n{link}\n\nIf you did not ask \
                 for this, cancel it with the link above and change your password.\n",
                user.full_name,
                user.username,
                format_date(due)
            );
            outbox::enqueue(&mut *tx, &mail_to(user, "Your account is queued for deletion", &body))
                .await
                .map_err(internal)?;
        }
        store::audit::append(
            &mut tx,
            &store::audit::Entry {
                actor_id,
                actor_label: actor,
                action: "retirement.request",
                target_type: "user",
                target_id: &user.id,
                after: Some(serde_json::json!({"state": PENDING, "due_at": due})),
                reason,
                ..Default::default()
            },
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        rs::get(self.db(), &id).await.map_err(internal)?.ok_or_else(|| not_found(&user.username))
    }

    /// Cancel a retirement in its cool-off: the account is active again (with its password).
    async fn cancel_pending(
        &self,
        status: &StatusRow,
        actor: Actor<'_>,
        reason: &str,
    ) -> Result<(), DomainError> {
        if status.current_state != PENDING {
            return Err(DomainError::with_message(
                ErrorCode::RetirementBadTransition,
                format!(
                    "Retirement requests can only be cancelled while PENDING; {}'s is {}.",
                    status.original_username, status.current_state
                ),
            ));
        }
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        if !rs::delete_pending(&mut tx, &status.id).await.map_err(internal)? {
            return Err(DomainError::with_message(
                ErrorCode::RetirementBadTransition,
                "The retirement has just started; it can no longer be cancelled.",
            ));
        }
        let yes = if self.db().dialect == store::Dialect::Postgres { "TRUE" } else { "1" };
        sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE users SET is_active = {yes} WHERE id = $1")))
            .bind(&status.user_id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        sqlx::query("DELETE FROM retirement_requests WHERE user_id = $1")
            .bind(&status.user_id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        store::audit::append(
            &mut tx,
            &store::audit::Entry {
                actor_id: actor.id,
                actor_label: actor.label,
                action: "retirement.cancel",
                target_type: "user",
                target_id: &status.user_id,
                before: Some(serde_json::json!({"state": PENDING})),
                reason: Some(reason),
                ..Default::default()
            },
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)
    }

    /// Move one learner (checked by `check_transition`), in a transaction; audited for admins.
    async fn change_state(
        &self,
        status: &StatusRow,
        to: &str,
        kind: TransitionKind,
        message: &str,
        actor: Actor<'_>,
    ) -> Result<(), DomainError> {
        check_transition(&self.settings().states, &status.current_state, &status.last_state, to, kind)
            .map_err(|e| bad_transition(&e))?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        rs::move_to(&mut tx, status, to, message, actor.label).await.map_err(internal)?;
        if kind != TransitionKind::Advance {
            rs::reset_attempts(&mut tx, &status.id).await.map_err(internal)?;
            store::audit::append(
                &mut tx,
                &store::audit::Entry {
                    actor_id: actor.id,
                    actor_label: actor.label,
                    action: if kind == TransitionKind::Abort {
                        "retirement.abort"
                    } else {
                        "retirement.resume"
                    },
                    target_type: "user",
                    target_id: &status.user_id,
                    before: Some(serde_json::json!({"state": status.current_state})),
                    after: Some(serde_json::json!({"state": to})),
                    reason: Some(message),
                    ..Default::default()
                },
            )
            .await
            .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)
    }

    /// Whether a new account may use this username or email: not while a retired identity holds
    /// it under the re-use policy. `Err` names the field.
    pub(crate) async fn check_not_retired(&self, username: &str, email: &str) -> Result<(), DomainError> {
        let settings = self.settings();
        // The retirement service user's name is reserved: it is made with `manage-user`, never registered.
        if registrar::retirement::is_reserved_username(username, &settings.service_username) {
            return Err(DomainError::new(ErrorCode::UsernameTaken).on_field("username"));
        }
        let now = now_ms();
        let check = |values: Vec<String>, column: &'static str| {
            let sql = format!(
                "SELECT retired_at FROM users WHERE retired_at IS NOT NULL AND {column} IN ({})",
                store::list_placeholders(1, values.len())
            );
            (sql, values)
        };
        for (field, (sql, values)) in [
            ("username", check(settings.names.all_usernames(username), "username_key")),
            ("email", check(settings.names.all_emails(email), "email_key")),
        ] {
            let mut q = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql));
            for v in &values {
                q = q.bind(v.to_lowercase());
            }
            let found = q.fetch_all(&self.db().pool).await.map_err(internal)?;
            if found.iter().any(|(at,)| settings.reuse.blocks(*at, now)) {
                return Err(if field == "username" {
                    DomainError::new(ErrorCode::UsernameTaken).on_field("username")
                } else {
                    DomainError::new(ErrorCode::EmailTaken).on_field("email")
                });
            }
        }
        Ok(())
    }

    /// One pass of the built-in worker: claim due learners, run every remaining stage for the batch
    /// (one transaction per stage), then redact the records of retirements past their cleanup
    /// time. Returns how many learners it moved.
    pub async fn retirement_tick(&self, worker: &str) -> Result<usize, DomainError> {
        let settings = self.settings().clone();
        let mut moved = 0;
        if settings.builtin_worker {
            let resting = settings.states.resting_states();
            let claimed = rs::claim(self.db(), &resting, settings.batch_size, WORKER_LEASE_MS, worker)
                .await
                .map_err(internal)?;
            let ids: Vec<String> = claimed.iter().map(|s| s.id.clone()).collect();
            moved = claimed.len();
            let result = self.run_batch(&settings, claimed, worker).await;
            rs::release(self.db(), &ids, worker).await.map_err(internal)?;
            result?;
            // With an external driver, cleanup is its call (after its archive step).
            self.cleanup_due(&settings).await?;
        }
        Ok(moved)
    }

    async fn run_batch(
        &self,
        settings: &RetirementSettings,
        claimed: Vec<StatusRow>,
        worker: &str,
    ) -> Result<(), DomainError> {
        // Learners in the same resting state go through the same stages together.
        let mut groups: std::collections::BTreeMap<String, Vec<StatusRow>> =
            std::collections::BTreeMap::new();
        for s in claimed {
            groups.entry(s.current_state.clone()).or_default().push(s);
        }
        for (state, mut group) in groups {
            for stage in settings.states.remaining_stages(&state) {
                if group.is_empty() {
                    break;
                }
                let ids: Vec<String> = group.iter().map(|s| s.id.clone()).collect();
                rs::renew(self.db(), &ids, worker, WORKER_LEASE_MS).await.map_err(internal)?;
                match self.run_stage_for(&group, &stage.start, &stage.end, worker).await {
                    Ok(()) => {
                        for s in &mut group {
                            s.last_state = s.current_state.clone();
                            s.current_state.clone_from(&stage.end);
                        }
                    }
                    Err(_) => {
                        // One learner's failure must not hold back the others: one by one.
                        let mut ok = Vec::new();
                        for s in group {
                            match self
                                .run_stage_for(std::slice::from_ref(&s), &stage.start, &stage.end, worker)
                                .await
                            {
                                Ok(()) => {
                                    let mut s = s;
                                    s.last_state = s.current_state.clone();
                                    s.current_state.clone_from(&stage.end);
                                    ok.push(s);
                                }
                                // Someone else moved them (an admin's abort): theirs now.
                                Err(error) if rs::is_changed_meanwhile(&error) => {}
                                Err(error) => {
                                    self.stage_failed(settings, &s, &stage.start, &error, worker).await?
                                }
                            }
                        }
                        group = ok;
                    }
                }
            }
            if !group.is_empty() {
                let refs: Vec<&StatusRow> = group.iter().collect();
                for chunk in refs.chunks(1) {
                    let mut tx = self.db().pool.begin().await.map_err(internal)?;
                    match rs::move_many(&mut tx, chunk, COMPLETE, "Learner retirement complete.", worker)
                        .await
                    {
                        Ok(()) => tx.commit().await.map_err(internal)?,
                        Err(error) if rs::is_changed_meanwhile(&error) => {}
                        Err(error) => return Err(internal(error)),
                    }
                }
            }
        }
        Ok(())
    }

    /// Run one stage for learners resting before it: into the working state, the stage's writes,
    /// into its _COMPLETE state, all in one transaction.
    async fn run_stage_for(
        &self,
        group: &[StatusRow],
        start: &str,
        end: &str,
        worker: &str,
    ) -> Result<(), sqlx::Error> {
        let refs: Vec<&StatusRow> = group.iter().collect();
        let subjects: Vec<Subject> = group.iter().map(subject).collect();
        let mut tx = self.db().pool.begin().await?;
        rs::move_many(&mut tx, &refs, start, &format!("Starting: {start}"), worker).await?;
        let ours = personal_data::retire_stage(&mut tx, start, &subjects).await?;
        let message = if ours {
            format!("Ending: {end}")
        } else {
            format!("Ending: {end} (no data of this stage is held by Registrar)")
        };
        let working: Vec<StatusRow> =
            group.iter().map(|s| StatusRow { current_state: start.to_owned(), ..s.clone() }).collect();
        let working_refs: Vec<&StatusRow> = working.iter().collect();
        rs::move_many(&mut tx, &working_refs, end, &message, worker).await?;
        tx.commit().await
    }

    async fn stage_failed(
        &self,
        settings: &RetirementSettings,
        status: &StatusRow,
        stage: &str,
        error: &sqlx::Error,
        worker: &str,
    ) -> Result<(), DomainError> {
        let op = internal(error);
        let text = format!("{stage} failed ({})", op.message);
        if status.attempts + 1 >= settings.max_attempts {
            let mut tx = self.db().pool.begin().await.map_err(internal)?;
            rs::move_to(
                &mut tx,
                status,
                ERRORED,
                &format!("{text}; gave up after {} attempts", status.attempts + 1),
                worker,
            )
            .await
            .map_err(internal)?;
            sqlx::query(
                "UPDATE retirement_statuses SET attempts = attempts + 1, last_error = $1 WHERE id = $2",
            )
            .bind(&text)
            .bind(&status.id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
            tx.commit().await.map_err(internal)
        } else {
            // Exponential backoff: 1, 2, 4, 8 … minutes.
            let backoff = 60_000_i64 << status.attempts.clamp(0, 10);
            rs::record_failure(self.db(), status, &text, now_ms() + backoff, worker).await.map_err(internal)
        }
    }

    async fn cleanup_due(&self, settings: &RetirementSettings) -> Result<(), DomainError> {
        let before = now_ms() - i64::from(settings.cleanup_days) * DAY_MS;
        let due = rs::due_for_cleanup(self.db(), before, 500).await.map_err(internal)?;
        let batch: Vec<(String, Subject)> = due.iter().map(|s| (s.id.clone(), subject(s))).collect();
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        personal_data::clean_statuses(&mut tx, &batch).await.map_err(internal)?;
        tx.commit().await.map_err(internal)
    }

    /// `registrar populate-retirement-states`: sync the table with the configured list.
    pub async fn populate_states(&self, _system: &System, dry_run: bool) -> Result<StateSync, DomainError> {
        let list = &self.settings().states;
        let current: Vec<String> =
            rs::states(self.db()).await.map_err(internal)?.into_iter().map(|s| s.name).collect();
        let wanted = list.names().to_vec();
        let busy: Vec<(String, i64)> = rs::counts_by_state(self.db())
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|(state, n)| *n > 0 && !registrar::retirement::is_required(state))
            .collect();
        if !busy.is_empty() {
            return Err(DomainError::with_message(
                ErrorCode::RetirementBadTransition,
                format!(
                    "Learners are being processed ({}). Every learner must be in PENDING, ERRORED, ABORTED or \
                     COMPLETE to change the states.",
                    busy.iter().map(|(s, n)| format!("{n} in {s}")).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let sync = StateSync {
            added: wanted.iter().filter(|s| !current.contains(s)).cloned().collect(),
            removed: current.iter().filter(|s| !wanted.contains(s)).cloned().collect(),
            remaining: wanted.iter().filter(|s| current.contains(s)).cloned().collect(),
            states: wanted.iter().map(|s| (s.clone(), list.step(s).unwrap_or(0))).collect(),
            dry_run,
        };
        if !dry_run {
            let mut tx = self.db().pool.begin().await.map_err(internal)?;
            rs::replace_states(&mut tx, &wanted).await.map_err(internal)?;
            tx.commit().await.map_err(internal)?;
        }
        Ok(sync)
    }

    /// Refuse to start when the stored states differ from the configuration (the command syncs them);
    /// an empty table is filled at once.
    pub async fn ensure_states(&self, system: &System) -> Result<(), DomainError> {
        let stored: Vec<String> =
            rs::states(self.db()).await.map_err(internal)?.into_iter().map(|s| s.name).collect();
        if stored.is_empty() {
            self.populate_states(system, false).await?;
            return Ok(());
        }
        if stored != self.settings().states.names() {
            return Err(DomainError::with_message(
                ErrorCode::RetirementStatesInvalid,
                format!(
                    "The stored retirement states ({}) differ from RETIREMENT_STATES ({}). Run `registrar \
                     populate-retirement-states` (add --dry-run to see the changes first).",
                    stored.join(", "),
                    self.settings().states.names().join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// `registrar retire-user USERNAME|EMAIL`: queue without a cool-off mail.
    pub async fn retire_user_command(
        &self,
        system: &System,
        identifier: &str,
    ) -> Result<StatusRow, DomainError> {
        let user = users::find_by_login(self.db(), identifier).await.map_err(internal)?.ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::UserNotFound,
                format!("No account has the username or email '{identifier}'."),
            )
        })?;
        self.queue_deletion(&user, "admin", system.actor(), None, Some("retire-user command"), false).await
    }

    /// `registrar cancel-retirement EMAIL`.
    pub async fn cancel_retirement_command(
        &self,
        system: &System,
        email: &str,
    ) -> Result<String, DomainError> {
        let status = rs::by_email(self.db(), email).await.map_err(internal)?.ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::RetirementNotFound,
                format!("No retirement request with email address '{}' exists.", email.trim()),
            )
        })?;
        self.cancel_pending(&status, Actor { id: None, label: system.actor() }, "cancel-retirement command")
            .await?;
        Ok(status.original_username)
    }

    /// `registrar create-oauth-client NAME USERNAME`: a client id and a secret shown once.
    pub async fn create_oauth_client(
        &self,
        system: &System,
        name: &str,
        username: &str,
    ) -> Result<(String, String), DomainError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Give the client a name of 1 to 100 characters.",
            ));
        }
        let user =
            users::find_by_username(self.db(), username).await.map_err(internal)?.ok_or_else(|| {
                DomainError::with_message(
                    ErrorCode::UserNotFound,
                    format!("No account has the username '{username}'."),
                )
            })?;
        if !user.is_active.0 {
            return Err(DomainError::with_message(
                ErrorCode::UserInactive,
                format!("{username}'s account is not active."),
            ));
        }
        let client_id = crate::auth::secret::new_secret().chars().take(24).collect::<String>();
        let secret = crate::auth::secret::new_secret();
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        sqlx::query(
            "INSERT INTO oauth_clients (id, client_id, secret_hash, name, user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(store::new_id())
        .bind(&client_id)
        .bind(crate::auth::secret::digest(&secret))
        .bind(name)
        .bind(&user.id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        store::audit::append(
            &mut tx,
            &store::audit::Entry {
                actor_label: system.actor(),
                action: "oauth_client.create",
                target_type: "user",
                target_id: &user.id,
                after: Some(serde_json::json!({"name": name, "client_id": client_id})),
                ..Default::default()
            },
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok((client_id, secret))
    }

    async fn service_status_row(&self, username: &str) -> Result<StatusRow, DomainError> {
        let username = username.trim();
        if username.is_empty() {
            return Err(DomainError::with_message(ErrorCode::InputInvalid, "The user was not specified."));
        }
        rs::by_username(self.db(), username).await.map_err(internal)?.ok_or_else(|| not_found(username))
    }

    /// Hold the learner for this service caller, or refuse if the built-in worker holds them.
    async fn service_lease(&self, status: &StatusRow, worker: &RetirementWorker) -> Result<(), DomainError> {
        let holder = format!("service:{}", worker.actor());
        let mut conn = self.db().pool.acquire().await.map_err(internal)?;
        if rs::lease_one(&mut conn, &status.id, &holder, SERVICE_LEASE_MS).await.map_err(internal)? {
            Ok(())
        } else {
            Err(DomainError::with_message(
                ErrorCode::RetirementBadTransition,
                format!(
                    "{} is being processed by {}; try again later.",
                    status.original_username,
                    status.leased_by.as_deref().unwrap_or("another worker")
                ),
            ))
        }
    }
}

#[async_trait::async_trait]
impl Retirement for ServerBackend {
    fn retirement_service_username(&self) -> String {
        self.settings().service_username.clone()
    }

    /// `POST /oauth2/access_token` with the client credentials grant: a bearer token for the
    /// client's user, valid for an hour.
    async fn client_credentials_token(
        &self,
        _public: &Public,
        client_id: &str,
        client_secret: &str,
        client: &ClientMeta,
    ) -> Result<(String, i64), DomainError> {
        let ip_key = format!("ip:{}", client.ip);
        if throttle::hit(self.db(), &ip_key, 10 * 60_000).await.map_err(internal)? > 30 {
            return Err(ErrorCode::AuthThrottled.into());
        }
        let row: Option<(String, String, String, Option<i64>)> = sqlx::query_as(
            "SELECT c.user_id, c.secret_hash, c.name, c.revoked_at FROM oauth_clients c WHERE c.client_id = $1",
        )
        .bind(client_id.trim())
        .fetch_optional(&self.db().pool)
        .await
        .map_err(internal)?;
        let digest = crate::auth::secret::digest(client_secret);
        let Some((user_id, _, name, _)) =
            row.filter(|(_, hash, _, revoked)| *hash == digest && revoked.is_none())
        else {
            return Err(ErrorCode::OAuthInvalidClient.into());
        };
        throttle::forgive(self.db(), &ip_key).await.map_err(internal)?;
        let token = crate::auth::secret::new_secret();
        let expires_in = 3600;
        tokens::create(
            &self.db().pool,
            &crate::auth::secret::digest(&token),
            &user_id,
            &format!("oauth:{name}"),
            Some(now_ms() + expires_in * 1000),
        )
        .await
        .map_err(internal)?;
        Ok((token, expires_in))
    }

    async fn deletion_info(&self, me: &Me) -> Result<DeletionInfo, DomainError> {
        let user = users::get(self.db(), &me.principal().user_id.0)
            .await
            .map_err(internal)?
            .ok_or(ErrorCode::AuthRequired)?;
        Ok(DeletionInfo {
            username: user.username,
            email: user.email,
            has_password: user.password_hash.is_some(),
            cool_off_days: self.settings().cool_off_days,
        })
    }

    async fn request_deletion(
        &self,
        me: &Me,
        password: &str,
        client: &ClientMeta,
    ) -> Result<DeletionQueued, DomainError> {
        if password.is_empty() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Enter your password to confirm.",
            )
            .on_field("password"));
        }
        let user = users::get(self.db(), &me.principal().user_id.0)
            .await
            .map_err(internal)?
            .ok_or(ErrorCode::AuthRequired)?;
        let ip_key = format!("ip:{}", client.ip);
        let account = format!("account:{}", user.id.to_lowercase());
        self.count_failed_attempt(&ip_key, std::slice::from_ref(&account)).await?;
        // The secret exactly as typed: never trimmed.
        let ok =
            crate::auth::password::verify(password, user.password_hash.as_deref()).await.map_err(internal)?;
        if !ok {
            return Err(DomainError::new(ErrorCode::PasswordIncorrect).on_field("password"));
        }
        throttle::clear(self.db(), &account).await.map_err(internal)?;
        throttle::forgive(self.db(), &ip_key).await.map_err(internal)?;
        let actor = me.principal().username.clone();
        let status = self.queue_deletion(&user, "learner", &actor, Some(&user.id), None, true).await?;
        Ok(DeletionQueued { due_at: status.due_at, email: user.email })
    }

    async fn request_deletion_link(&self, me: &Me) -> Result<String, DomainError> {
        let user = users::get(self.db(), &me.principal().user_id.0)
            .await
            .map_err(internal)?
            .ok_or(ErrorCode::AuthRequired)?;
        if user.password_hash.is_some() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Your account has a password: confirm the deletion with it.",
            ));
        }
        let key = self.link_key().await?;
        let until = now_ms() + CONFIRM_LINK_MS;
        let token = Self::sign(&key, "delete", &user.id, until)?;
        let link = format!("{}/account/confirm-deletion?token={token}", self.site_url());
        let body = format!(
            "Hello {},\n\nSomeone signed in as {} asked to delete this account on Registrar. To confirm, open \
             this link within an hour:\n{link}\n\nIf it was not you, ignore this mail: nothing happens without \
             the link.\n",
            user.full_name, user.username
        );
        outbox::enqueue(&self.db().pool, &mail_to(&user, "Confirm the deletion of your account", &body))
            .await
            .map_err(internal)?;
        Ok(user.email)
    }

    async fn confirm_link_info(&self, _public: &Public, token: &str) -> Result<DeletionInfo, DomainError> {
        let id = self.verify_link("delete", token).await?;
        let user = users::get(self.db(), &id).await.map_err(internal)?.ok_or(ErrorCode::LinkInvalid)?;
        Ok(DeletionInfo {
            username: user.username,
            email: user.email,
            has_password: user.password_hash.is_some(),
            cool_off_days: self.settings().cool_off_days,
        })
    }

    async fn confirm_deletion_by_link(
        &self,
        _public: &Public,
        token: &str,
    ) -> Result<DeletionQueued, DomainError> {
        let id = self.verify_link("delete", token).await?;
        let user = users::get(self.db(), &id).await.map_err(internal)?.ok_or(ErrorCode::LinkInvalid)?;
        if !user.is_active.0 && rs::for_user(&self.db().pool, &user.id).await.map_err(internal)?.is_none() {
            return Err(ErrorCode::AuthInactive.into());
        }
        // One use: a request recorded since the link was made (it lives an hour) spent it.
        let issued =
            token.split('.').nth(1).and_then(|t| t.parse::<i64>().ok()).unwrap_or(0) - CONFIRM_LINK_MS;
        let used: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE target_type = 'user' AND target_id = $1 \
             AND action = 'retirement.request' AND at >= $2",
        )
        .bind(&user.id)
        .bind(issued)
        .fetch_one(&self.db().pool)
        .await
        .map_err(internal)?;
        if used > 0 && rs::for_user(&self.db().pool, &user.id).await.map_err(internal)?.is_none() {
            return Err(DomainError::with_message(ErrorCode::LinkInvalid, "This link was already used."));
        }
        let status =
            self.queue_deletion(&user, "learner", &user.username, Some(&user.id), None, true).await?;
        Ok(DeletionQueued { due_at: status.due_at, email: user.email })
    }

    async fn cancel_link_info(
        &self,
        _public: &Public,
        token: &str,
    ) -> Result<CancelDeletionPage, DomainError> {
        let id = self.verify_link("cancel", token).await?;
        let status = rs::get(self.db(), &id).await.map_err(internal)?.ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::LinkInvalid,
                "This deletion was already cancelled or is finished.",
            )
        })?;
        Ok(CancelDeletionPage {
            username: status.original_username,
            due_at: status.due_at,
            can_cancel: status.current_state == PENDING && now_ms() < status.due_at,
            state: status.current_state,
        })
    }

    async fn cancel_by_link(&self, _public: &Public, token: &str) -> Result<String, DomainError> {
        let id = self.verify_link("cancel", token).await?;
        let status = rs::get(self.db(), &id).await.map_err(internal)?.ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::LinkInvalid,
                "This deletion was already cancelled or is finished.",
            )
        })?;
        let actor = status.original_username.clone();
        self.cancel_pending(
            &status,
            Actor { id: Some(&status.user_id), label: &actor },
            "cancelled by the learner through the mailed link",
        )
        .await?;
        Ok(status.original_username)
    }

    async fn export_my_data(&self, me: &Me) -> Result<String, DomainError> {
        let mut conn = self.db().pool.acquire().await.map_err(internal)?;
        let data = personal_data::export(&mut conn, &me.principal().user_id.0).await.map_err(internal)?;
        let doc = serde_json::json!({
            "exported_at": iso(now_ms()),
            "about": "Everything Registrar holds about you, by table.",
            "data": data,
        });
        serde_json::to_string_pretty(&doc).map_err(internal)
    }

    async fn retirement_dashboard(&self, _staff: &GlobalStaff) -> Result<RetirementDashboard, DomainError> {
        let list = &self.settings().states;
        let counts = rs::counts_by_state(self.db()).await.map_err(internal)?;
        let count = |name: &str| counts.iter().find(|(s, _)| s == name).map_or(0, |(_, n)| *n);
        let states = list
            .names()
            .iter()
            .map(|name| RetirementStateInfo {
                name: name.clone(),
                step: list.step(name).unwrap_or(0),
                dead_end: registrar::retirement::is_dead_end(name),
                required: registrar::retirement::is_required(name),
                learners: count(name),
            })
            .collect();
        let today = now_ms().div_euclid(DAY_MS);
        let rows = rs::per_day(self.db(), (today - 29) * DAY_MS).await.map_err(internal)?;
        let per_day = (today - 29..=today)
            .map(|d| (format_date(d * DAY_MS), rows.iter().find(|(day, _)| *day == d).map_or(0, |(_, n)| *n)))
            .collect();
        Ok(RetirementDashboard {
            states,
            per_day,
            total: counts.iter().map(|(_, n)| n).sum(),
            cool_off_days: self.settings().cool_off_days,
        })
    }

    async fn retirements(
        &self,
        _staff: &GlobalStaff,
        search: &str,
        state: Option<String>,
    ) -> Result<Vec<RetirementSummary>, DomainError> {
        let state = state.filter(|s| !s.is_empty());
        if let Some(s) = &state {
            if self.settings().states.index(s).is_none() {
                return Err(DomainError::with_message(
                    ErrorCode::InputInvalid,
                    format!("'{s}' is not a retirement state."),
                ));
            }
        }
        let rows = rs::search(self.db(), search, state.as_deref(), 200).await.map_err(internal)?;
        Ok(rows.into_iter().map(summary).collect())
    }

    async fn retirement_detail(
        &self,
        _staff: &GlobalStaff,
        id: &str,
    ) -> Result<RetirementDetail, DomainError> {
        let status = rs::get(self.db(), id).await.map_err(internal)?.ok_or_else(|| not_found(id))?;
        let list = &self.settings().states;
        let events = rs::events(self.db(), id)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|e| RetirementEvent {
                at: e.at,
                from_state: e.from_state,
                to_state: e.to_state,
                message: e.message,
                actor: e.actor_label,
            })
            .collect();
        let resume_targets = list
            .resting_states()
            .into_iter()
            .filter(|to| {
                check_transition(list, &status.current_state, &status.last_state, to, TransitionKind::Resume)
                    .is_ok()
            })
            .collect();
        let can_abort =
            check_transition(list, &status.current_state, &status.last_state, ABORTED, TransitionKind::Abort)
                .is_ok();
        let can_cancel = status.current_state == PENDING;
        let requested_by: Option<String> =
            sqlx::query_scalar("SELECT source FROM retirement_requests WHERE user_id = $1")
                .bind(&status.user_id)
                .fetch_optional(&self.db().pool)
                .await
                .map_err(internal)?;
        Ok(RetirementDetail {
            summary: summary(status),
            events,
            resume_targets,
            can_abort,
            can_cancel,
            requested_by,
        })
    }

    async fn retirement_resume(
        &self,
        staff: &GlobalStaff,
        id: &str,
        to: &str,
        reason: &str,
    ) -> Result<(), DomainError> {
        let reason = require_reason(reason)?;
        let status = rs::get(self.db(), id).await.map_err(internal)?.ok_or_else(|| not_found(id))?;
        self.change_state(
            &status,
            to,
            TransitionKind::Resume,
            &format!("Resumed from {to}: {reason}"),
            staff_actor(staff),
        )
        .await
    }

    async fn retirement_abort(&self, staff: &GlobalStaff, id: &str, reason: &str) -> Result<(), DomainError> {
        let reason = require_reason(reason)?;
        let status = rs::get(self.db(), id).await.map_err(internal)?.ok_or_else(|| not_found(id))?;
        self.change_state(
            &status,
            ABORTED,
            TransitionKind::Abort,
            &format!("Aborted: {reason}"),
            staff_actor(staff),
        )
        .await
    }

    async fn retirement_cancel(
        &self,
        staff: &GlobalStaff,
        id: &str,
        reason: &str,
    ) -> Result<(), DomainError> {
        let reason = require_reason(reason)?;
        let status = rs::get(self.db(), id).await.map_err(internal)?.ok_or_else(|| not_found(id))?;
        self.cancel_pending(&status, staff_actor(staff), reason).await
    }

    async fn retirement_request_for(
        &self,
        staff: &GlobalStaff,
        identifier: &str,
        reason: &str,
    ) -> Result<RetirementSummary, DomainError> {
        let reason = require_reason(reason)?;
        let user = users::find_by_login(self.db(), identifier).await.map_err(internal)?.ok_or_else(|| {
            DomainError::with_message(
                ErrorCode::UserNotFound,
                format!("No account has the username or email '{}'.", identifier.trim()),
            )
            .on_field("identifier")
        })?;
        let actor = staff.principal();
        if !registrar::retirement::may_queue_for_deletion(
            actor.is_superuser,
            user.is_staff.0 || user.is_superuser.0,
        ) {
            return Err(DomainError::with_message(
                ErrorCode::Forbidden,
                format!(
                    "{} is staff; only a superuser can queue a staff account for deletion.",
                    user.username
                ),
            ));
        }
        let status = self
            .queue_deletion(&user, "admin", &actor.username, Some(&actor.user_id.0), Some(reason), true)
            .await?;
        Ok(summary(status))
    }

    async fn outbox(&self, staff: &GlobalStaff, to: &str) -> Result<Vec<OutboxMail>, DomainError> {
        let rows = outbox::recent(self.db(), to, 100).await.map_err(internal)?;
        // Link tokens act for the learner: only superusers see them.
        let reveal = registrar::retirement::may_read_link_tokens(staff.principal().is_superuser);
        Ok(rows
            .into_iter()
            .map(|m| OutboxMail {
                id: m.id,
                to: m.to_addr,
                subject: m.subject,
                body_text: if reveal { m.body_text } else { hide_tokens(&m.body_text) },
                state: m.state,
                attempts: m.attempts,
                last_error: m.last_error,
                created_at: m.created_at,
                sent_at: m.sent_at,
            })
            .collect())
    }

    async fn service_queue(
        &self,
        _worker: &RetirementWorker,
        query: QueueQuery,
    ) -> Result<Vec<ServiceRetirement>, DomainError> {
        if query.cool_off_days < 0 {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "cool_off_days must be 0 or more.",
            ));
        }
        if query.states.is_empty() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Param \"states\" required with at least one state.",
            ));
        }
        let list = &self.settings().states;
        let unknown: Vec<&String> = query.states.iter().filter(|s| list.index(s).is_none()).collect();
        if !unknown.is_empty() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("Unknown state. Requested: {:?} Found: {:?}", query.states, list.names()),
            ));
        }
        let before = now_ms() - query.cool_off_days * DAY_MS;
        let rows = rs::queue(self.db(), &query.states, before, query.limit).await.map_err(internal)?;
        self.service_views(rows).await
    }

    async fn service_by_status_and_date(
        &self,
        _worker: &RetirementWorker,
        state: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<ServiceRetirement>, DomainError> {
        if self.settings().states.index(state).is_none() {
            return Err(DomainError::with_message(ErrorCode::InputInvalid, "Unknown retirement state."));
        }
        let rows = rs::created_between(self.db(), from, to, state).await.map_err(internal)?;
        self.service_views(rows).await
    }

    async fn service_status(
        &self,
        _worker: &RetirementWorker,
        username: &str,
    ) -> Result<ServiceRetirement, DomainError> {
        let status = self.service_status_row(username).await?;
        self.service_views(vec![status]).await?.pop().ok_or_else(|| not_found(username))
    }

    async fn service_update_state(
        &self,
        worker: &RetirementWorker,
        username: &str,
        new_state: &str,
        response: &str,
        force: bool,
    ) -> Result<(), DomainError> {
        let status = self.service_status_row(username).await?;
        if status.original_username != username.trim() && status.retired_username != username.trim() {
            return Err(not_found(username));
        }
        let list = &self.settings().states;
        let kind = if !force {
            TransitionKind::Advance
        } else if new_state == ABORTED {
            TransitionKind::Abort
        } else {
            TransitionKind::Resume
        };
        check_transition(list, &status.current_state, &status.last_state, new_state, kind)
            .map_err(|e| bad_transition(&e))?;
        // Hold the learner first, then decide on what is there now.
        self.service_lease(&status, worker).await?;
        let status = self.service_status_row(username).await?;
        self.change_state(&status, new_state, kind, response, worker_actor(worker)).await?;
        if registrar::retirement::is_dead_end(new_state) {
            rs::release(self.db(), std::slice::from_ref(&status.id), &format!("service:{}", worker.actor()))
                .await
                .map_err(internal)?;
        }
        Ok(())
    }

    async fn service_run_stage(
        &self,
        worker: &RetirementWorker,
        username: &str,
        stage: &str,
    ) -> Result<(), DomainError> {
        let status = self.service_status_row(username).await?;
        if status.current_state != stage {
            return Err(DomainError::with_message(
                ErrorCode::RetirementBadTransition,
                format!(
                    "{} is in {}, not a valid state to perform this retirement action on (it needs {stage}).",
                    status.original_username, status.current_state
                ),
            ));
        }
        self.service_lease(&status, worker).await?;
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        personal_data::retire_stage(&mut tx, stage, &[subject(&status)]).await.map_err(internal)?;
        tx.commit().await.map_err(internal)
    }

    async fn service_cleanup(
        &self,
        _worker: &RetirementWorker,
        usernames: &[String],
    ) -> Result<(), DomainError> {
        let found = rs::complete_by_original_username(self.db(), usernames).await.map_err(internal)?;
        let asked: std::collections::HashSet<&str> = usernames.iter().map(String::as_str).collect();
        if found.len() != asked.len() || usernames.is_empty() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Not all usernames exist in the COMPLETE state.",
            ));
        }
        let batch: Vec<(String, Subject)> = found.iter().map(|s| (s.id.clone(), subject(s))).collect();
        let mut tx = self.db().pool.begin().await.map_err(internal)?;
        personal_data::clean_statuses(&mut tx, &batch).await.map_err(internal)?;
        tx.commit().await.map_err(internal)
    }

    async fn service_cancel(
        &self,
        worker: &RetirementWorker,
        retirement_id: &str,
    ) -> Result<(), DomainError> {
        let id = retirement_id.trim();
        if id.is_empty() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "retirement_id must be specified.",
            ));
        }
        let status = rs::get(self.db(), id).await.map_err(internal)?.ok_or_else(|| {
            DomainError::with_message(ErrorCode::RetirementNotFound, "Retirement does not exist!")
        })?;
        self.cancel_pending(&status, worker_actor(worker), "cancelled through the service API").await
    }
}

/// A plain-text mail to the account's own address, about that account.
fn mail_to<'a>(user: &'a users::UserRow, subject: &'a str, body: &'a str) -> outbox::NewMail<'a> {
    outbox::NewMail {
        user_id: Some(&user.id),
        to: &user.email,
        subject,
        body_text: body,
        body_html: None,
        ..outbox::NewMail::default()
    }
}

/// A mail body with the values of `token=` links replaced, for staff who are not superusers.
fn hide_tokens(body: &str) -> String {
    body.split_inclusive(char::is_whitespace)
        .map(|word| match word.split_once("token=") {
            Some((before, rest)) => {
                let tail: String = rest.chars().skip_while(|c| !c.is_whitespace()).collect();
                format!("{before}token=(hidden: superusers only){tail}")
            }
            None => word.to_owned(),
        })
        .collect()
}

/// Who acts, for the audit log: a global staff member.
fn staff_actor(staff: &GlobalStaff) -> Actor<'_> {
    Actor { id: Some(&staff.principal().user_id.0), label: staff.actor() }
}

/// Who acts, for the audit log: the service user.
fn worker_actor(worker: &RetirementWorker) -> Actor<'_> {
    Actor { id: Some(&worker.principal().user_id.0), label: worker.actor() }
}

fn require_reason(reason: &str) -> Result<&str, DomainError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DomainError::with_message(
            ErrorCode::InputInvalid,
            "Give a reason; it goes into the history.",
        )
        .on_field("reason"));
    }
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_are_hidden_from_staff() {
        let body = "Cancel here:\nhttp://x/account/cancel-deletion?token=abc.123.def\nThanks";
        let hidden = hide_tokens(body);
        assert!(!hidden.contains("abc.123.def"), "{hidden}");
        assert!(hidden.contains("cancel-deletion?token=(hidden: superusers only)\nThanks"), "{hidden}");
    }

    #[test]
    fn iso_times_are_utc() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(86_400_000 + 3_723_000), "1970-01-02T01:02:03Z");
    }
}
