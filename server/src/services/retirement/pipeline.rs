//! The built-in retirement worker (claims due retirements in batches and runs each stage, with
//! retries), cleanup of finished ones, and the management commands (populate states, retire or
//! cancel a user, create an OAuth client).

use super::*;
use crate::config::RetirementSettings;
use crate::services::internal;
use crate::store::enrollments::Actor;
use crate::store::personal_data::{self, Subject};
use crate::store::retirement::{self as rs, StatusRow};
use crate::store::{self, now_ms, oauth_clients, tokens, users};
use app::gate::System;
use app::model::StateSync;
use registrar::retirement::{COMPLETE, ERRORED};
use registrar::token_scope::TokenScope;
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};

impl RetirementService {
    /// One pass of the built-in worker: claim due learners, run every remaining stage for the batch
    /// (one transaction per stage), then redact the records of retirements past their cleanup
    /// time. Returns how many learners it moved.
    pub async fn retirement_tick(&self, worker: &str) -> Result<usize, DomainError> {
        let settings = self.core.settings().clone();
        let mut moved = 0;
        if settings.builtin_worker {
            let resting = settings.states.resting_states();
            let claimed =
                rs::claim(self.core.db(), &resting, settings.batch_size, WORKER_LEASE_MS, worker).await?;
            let ids: Vec<String> = claimed.iter().map(|s| s.id.clone()).collect();
            moved = claimed.len();
            let result = self.run_batch(&settings, claimed, worker).await;
            rs::release(self.core.db(), &ids, worker).await?;
            result?;
            // With an external driver, cleanup is its call (after its archive step).
            self.cleanup_due(&settings).await?;
        }
        Ok(moved)
    }

    pub(crate) async fn run_batch(
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
                rs::renew(self.core.db(), &ids, worker, WORKER_LEASE_MS).await?;
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
                    let mut tx = self.core.begin().await?;
                    match rs::move_many(&mut tx, chunk, COMPLETE, "Learner retirement complete.", worker)
                        .await
                    {
                        Ok(()) => tx.commit().await?,
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
    pub(crate) async fn run_stage_for(
        &self,
        group: &[StatusRow],
        start: &str,
        end: &str,
        worker: &str,
    ) -> Result<(), store::DbError> {
        let refs: Vec<&StatusRow> = group.iter().collect();
        let subjects: Vec<Subject> = group.iter().map(subject).collect();
        let mut tx = self.core.db().begin().await?;
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
        Ok(tx.commit().await?)
    }

    pub(crate) async fn stage_failed(
        &self,
        settings: &RetirementSettings,
        status: &StatusRow,
        stage: &str,
        error: &store::DbError,
        worker: &str,
    ) -> Result<(), DomainError> {
        let op = internal(error);
        let text = format!("{stage} failed ({})", op.message);
        if status.attempts + 1 >= settings.max_attempts {
            let mut tx = self.core.begin().await?;
            rs::move_to(
                &mut tx,
                status,
                ERRORED,
                &format!("{text}; gave up after {} attempts", status.attempts + 1),
                worker,
            )
            .await?;
            rs::record_final_failure(&mut tx, &status.id, &text).await?;
            tx.commit().await
        } else {
            // Exponential backoff: 1, 2, 4, 8 … minutes.
            let backoff = 60_000_i64 << status.attempts.clamp(0, 10);
            rs::record_failure(self.core.db(), status, &text, now_ms() + backoff, worker)
                .await
                .map_err(internal)
        }
    }

    pub(crate) async fn cleanup_due(&self, settings: &RetirementSettings) -> Result<(), DomainError> {
        let before = now_ms() - i64::from(settings.cleanup_days) * DAY_MS;
        let due = rs::due_for_cleanup(self.core.db(), before, 500).await?;
        let batch: Vec<(String, Subject)> = due.iter().map(|s| (s.id.clone(), subject(s))).collect();
        let mut tx = self.core.begin().await?;
        personal_data::clean_statuses(&mut tx, &batch).await?;
        tx.commit().await
    }

    /// `registrar populate-retirement-states`: sync the table with the configured list.
    pub async fn populate_states(&self, _system: &System, dry_run: bool) -> Result<StateSync, DomainError> {
        let list = &self.core.settings().states;
        let current: Vec<String> = rs::states(self.core.db()).await?.into_iter().map(|s| s.name).collect();
        let wanted = list.names().to_vec();
        let busy: Vec<(String, i64)> = rs::counts_by_state(self.core.db())
            .await?
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
            let mut tx = self.core.begin().await?;
            rs::replace_states(&mut tx, &wanted).await?;
            tx.commit().await?;
        }
        Ok(sync)
    }

    /// Refuse to start when the stored states differ from the configuration (the command syncs them);
    /// an empty table is filled at once.
    pub async fn ensure_states(&self, system: &System) -> Result<(), DomainError> {
        let stored: Vec<String> = rs::states(self.core.db()).await?.into_iter().map(|s| s.name).collect();
        if stored.is_empty() {
            self.populate_states(system, false).await?;
            return Ok(());
        }
        if stored != self.core.settings().states.names() {
            return Err(DomainError::with_message(
                ErrorCode::RetirementStatesInvalid,
                format!(
                    "The stored retirement states ({}) differ from RETIREMENT_STATES ({}). Run `registrar \
                     populate-retirement-states` (add --dry-run to see the changes first).",
                    stored.join(", "),
                    self.core.settings().states.names().join(", ")
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
        let user = users::find_by_login(self.core.db(), identifier).await?.ok_or_else(|| {
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
        let status = rs::by_email(self.core.db(), email).await?.ok_or_else(|| {
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
        scopes: &str,
    ) -> Result<(String, String), DomainError> {
        let scopes = TokenScope::join(&TokenScope::parse_list(scopes)?);
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Give the client a name of 1 to 100 characters.",
            ));
        }
        let user = users::find_by_username(self.core.db(), username).await?.ok_or_else(|| {
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
        let mut tx = self.core.begin().await?;
        let digest = crate::auth::secret::digest(&secret);
        oauth_clients::create(&mut *tx, &client_id, &digest, name, &user.id, &scopes).await?;
        tx.audit(&store::audit::Entry {
            actor_label: system.actor(),
            target_type: "user",
            target_id: &user.id,
            after: Some(serde_json::json!({"name": name, "client_id": client_id, "scopes": scopes})),
            ..store::audit::Entry::new(AuditAction::OauthClientCreate)
        })
        .await?;
        tx.commit().await?;
        Ok((client_id, secret))
    }

    /// `registrar revoke-oauth-client CLIENT_ID`: no new tokens, and the live ones end now (not
    /// when their hour is up). Returns how many tokens ended.
    pub async fn revoke_oauth_client(&self, system: &System, client_id: &str) -> Result<u64, DomainError> {
        let mut tx = self.core.begin().await?;
        let Some((row_id, user_id)) = oauth_clients::revoke(&mut tx, client_id.trim()).await? else {
            return Err(DomainError::with_message(
                ErrorCode::NotFound,
                format!("There is no live OAuth2 client '{}'.", client_id.trim()),
            ));
        };
        let ended = tokens::revoke_for_client(&mut *tx, &row_id).await?;
        tx.audit(&store::audit::Entry {
            actor_label: system.actor(),
            target_type: "user",
            target_id: &user_id,
            after: Some(serde_json::json!({"client_id": client_id.trim(), "tokens_revoked": ended})),
            ..store::audit::Entry::new(AuditAction::OauthClientRevoke)
        })
        .await?;
        tx.commit().await?;
        Ok(ended)
    }
}
