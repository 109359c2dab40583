//! The retirement service API for external drivers (`app::ports::retirement::RetirementDriver`):
//! OAuth client-credentials tokens, the queue, status by date, state updates with leases, Registrar's
//! own stages, cleanup and cancel. It must not run for anyone but the Gate's `RetirementWorker`.

use super::*;
use crate::store::personal_data::{self, Subject};
use crate::store::retirement::{self as rs, StatusRow};
use crate::store::{now_ms, oauth_clients, throttle, tokens};
use app::gate::{Public, RetirementWorker};
use app::model::{ServiceProfile, ServiceRetirement, ServiceState, ServiceUser};
use app::ports::retirement::RetirementDriver;
use app::ports::{ClientMeta, QueueQuery};
use registrar::retirement::{check_transition, TransitionKind, ABORTED};
use registrar::{DomainError, ErrorCode};

impl RetirementService {
    pub(crate) fn service_state(&self, name: &str) -> ServiceState {
        let step = self.core.settings().states.step(name).unwrap_or(0);
        ServiceState { id: step, state_name: name.to_owned(), state_execution_order: step }
    }

    /// The service API's view of retirements, with their users read in one query.
    pub(crate) async fn service_views(
        &self,
        rows: Vec<StatusRow>,
    ) -> Result<Vec<ServiceRetirement>, DomainError> {
        let ids: Vec<String> = rows.iter().map(|r| r.user_id.clone()).collect();
        let mut people: std::collections::HashMap<String, (String, String, String)> =
            std::collections::HashMap::with_capacity(ids.len());
        for p in rs::identities(self.core.db(), &ids).await? {
            people.insert(p.id, (p.username, p.email, p.full_name));
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

    pub(crate) async fn service_status_row(&self, username: &str) -> Result<StatusRow, DomainError> {
        let username = username.trim();
        if username.is_empty() {
            return Err(DomainError::with_message(ErrorCode::InputInvalid, "The user was not specified."));
        }
        rs::by_username(self.core.db(), username).await?.ok_or_else(|| not_found(username))
    }

    /// Hold the learner for this service caller, or refuse if the built-in worker holds them.
    pub(crate) async fn service_lease(
        &self,
        status: &StatusRow,
        worker: &RetirementWorker,
    ) -> Result<(), DomainError> {
        let holder = format!("service:{}", worker.actor());
        let mut conn = self.core.db().connection().await?;
        if rs::lease_one(&mut conn, &status.id, &holder, SERVICE_LEASE_MS).await? {
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
impl RetirementDriver for RetirementService {
    /// `POST /oauth2/access_token` with the client credentials grant: a bearer token for the
    /// client's user, valid for an hour.
    async fn client_credentials_token(
        &self,
        _public: &Public,
        client_id: &str,
        client_secret: &str,
        client: &ClientMeta,
    ) -> Result<(String, i64), DomainError> {
        let ip_key = crate::services::accounts::address_key(&client.ip);
        if throttle::hit(self.core.db(), &ip_key, 10 * 60_000).await? > 30 {
            return Err(ErrorCode::AuthThrottled.into());
        }
        let row = oauth_clients::find(self.core.db(), client_id.trim()).await?;
        let digest = crate::auth::secret::digest(client_secret);
        let Some(oauth_clients::ClientRow { id, user_id, name, scopes, .. }) =
            row.filter(|c| c.secret_hash == digest && c.revoked_at.is_none())
        else {
            return Err(ErrorCode::OAuthInvalidClient.into());
        };
        throttle::forgive(self.core.db(), &ip_key).await?;
        let token = crate::auth::secret::new_secret();
        let expires_in = 3600;
        // The token can do what the client's scopes name, nothing else its user could.
        let digest = crate::auth::secret::digest(&token);
        let label = format!("oauth:{name}");
        let new = tokens::NewToken {
            token_hash: &digest,
            user_id: &user_id,
            name: &label,
            expires_at: Some(now_ms() + expires_in * 1000),
            scopes: Some(&scopes),
            client_id: Some(&id),
        };
        tokens::create(&self.core.db().pool, &new).await?;
        Ok((token, expires_in))
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
        let list = &self.core.settings().states;
        let unknown: Vec<&String> = query.states.iter().filter(|s| list.index(s).is_none()).collect();
        if !unknown.is_empty() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("Unknown state. Requested: {:?} Found: {:?}", query.states, list.names()),
            ));
        }
        let before = now_ms() - query.cool_off_days * DAY_MS;
        let rows = rs::queue(self.core.db(), &query.states, before, query.limit).await?;
        self.service_views(rows).await
    }

    async fn service_by_status_and_date(
        &self,
        _worker: &RetirementWorker,
        state: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<ServiceRetirement>, DomainError> {
        if self.core.settings().states.index(state).is_none() {
            return Err(DomainError::with_message(ErrorCode::InputInvalid, "Unknown retirement state."));
        }
        let rows = rs::created_between(self.core.db(), from, to, state).await?;
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
        let list = &self.core.settings().states;
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
            rs::release(
                self.core.db(),
                std::slice::from_ref(&status.id),
                &format!("service:{}", worker.actor()),
            )
            .await?;
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
        let mut tx = self.core.begin().await?;
        personal_data::retire_stage(&mut tx, stage, &[subject(&status)]).await?;
        tx.commit().await
    }

    async fn service_cleanup(
        &self,
        _worker: &RetirementWorker,
        usernames: &[String],
    ) -> Result<(), DomainError> {
        let found = rs::complete_by_original_username(self.core.db(), usernames).await?;
        let asked: std::collections::HashSet<&str> = usernames.iter().map(String::as_str).collect();
        if found.len() != asked.len() || usernames.is_empty() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Not all usernames exist in the COMPLETE state.",
            ));
        }
        let batch: Vec<(String, Subject)> = found.iter().map(|s| (s.id.clone(), subject(s))).collect();
        let mut tx = self.core.begin().await?;
        personal_data::clean_statuses(&mut tx, &batch).await?;
        tx.commit().await
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
        let status = rs::get(self.core.db(), id).await?.ok_or_else(|| {
            DomainError::with_message(ErrorCode::RetirementNotFound, "Retirement does not exist!")
        })?;
        self.cancel_pending(&status, worker_actor(worker), "cancelled through the service API").await
    }
}
