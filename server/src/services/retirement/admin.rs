//! The console's account deletions (`app::ports::retirement::RetirementAdmin`): dashboard, search,
//! one retirement with its events, resume, abort, cancel, queue on a learner's behalf; the outbox.

use super::*;
use crate::store::retirement::{self as rs};
use crate::store::{now_ms, outbox, users};
use app::model::{
    format_date, OutboxMail, RetirementDashboard, RetirementDetail, RetirementEvent, RetirementStateInfo,
    RetirementSummary,
};
use app::ports::retirement::RetirementAdmin;
use registrar::retirement::{check_transition, TransitionKind, ABORTED, PENDING};
use registrar::{DomainError, ErrorCode};

#[async_trait::async_trait]
impl RetirementAdmin for RetirementService {
    async fn retirement_dashboard(
        &self,
        _staff: &Console<ViewRetirements>,
    ) -> Result<RetirementDashboard, DomainError> {
        let list = &self.core.settings().states;
        let counts = rs::counts_by_state(self.core.db()).await?;
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
        let rows = rs::per_day(self.core.db(), (today - 29) * DAY_MS).await?;
        let per_day = (today - 29..=today)
            .map(|d| (format_date(d * DAY_MS), rows.iter().find(|(day, _)| *day == d).map_or(0, |(_, n)| *n)))
            .collect();
        Ok(RetirementDashboard {
            states,
            per_day,
            total: counts.iter().map(|(_, n)| n).sum(),
            cool_off_days: self.core.settings().cool_off_days,
        })
    }

    async fn retirements(
        &self,
        _staff: &Console<ViewRetirements>,
        search: &str,
        state: Option<String>,
    ) -> Result<Vec<RetirementSummary>, DomainError> {
        let state = state.filter(|s| !s.is_empty());
        if let Some(s) = &state {
            if self.core.settings().states.index(s).is_none() {
                return Err(DomainError::with_message(
                    ErrorCode::InputInvalid,
                    format!("'{s}' is not a retirement state."),
                ));
            }
        }
        let rows = rs::search(self.core.db(), search, state.as_deref(), 200).await?;
        Ok(rows.into_iter().map(summary).collect())
    }

    async fn retirement_detail(
        &self,
        _staff: &Console<ViewRetirements>,
        id: &str,
    ) -> Result<RetirementDetail, DomainError> {
        let status = rs::get(self.core.db(), id).await?.ok_or_else(|| not_found(id))?;
        let list = &self.core.settings().states;
        let events = rs::events(self.core.db(), id)
            .await?
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
        let requested_by = rs::request_source(self.core.db(), &status.user_id).await?;
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
        staff: &Console<ChangeRetirements>,
        id: &str,
        to: &str,
        reason: &str,
    ) -> Result<(), DomainError> {
        let (status, reason) = self.acted_on(id, reason).await?;
        self.change_state(
            &status,
            to,
            TransitionKind::Resume,
            &format!("Resumed from {to}: {reason}"),
            staff_actor(staff),
        )
        .await
    }

    async fn retirement_abort(
        &self,
        staff: &Console<ChangeRetirements>,
        id: &str,
        reason: &str,
    ) -> Result<(), DomainError> {
        let (status, reason) = self.acted_on(id, reason).await?;
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
        staff: &Console<ChangeRetirements>,
        id: &str,
        reason: &str,
    ) -> Result<(), DomainError> {
        let (status, reason) = self.acted_on(id, reason).await?;
        self.cancel_pending(&status, staff_actor(staff), reason).await
    }

    async fn retirement_request_for(
        &self,
        staff: &Console<AddRetirements>,
        identifier: &str,
        reason: &str,
    ) -> Result<RetirementSummary, DomainError> {
        let reason = require_reason(reason)?;
        let user = users::find_by_login(self.core.db(), identifier).await?.ok_or_else(|| {
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

    async fn outbox(&self, staff: &Console<ViewOutbox>, to: &str) -> Result<Vec<OutboxMail>, DomainError> {
        let rows = outbox::recent(self.core.db(), to, 100).await?;
        // Link tokens act for the learner: only superusers see them.
        let reveal = registrar::retirement::may_read_link_tokens(staff.principal().is_superuser);
        Ok(rows
            .into_iter()
            .map(|m| OutboxMail {
                id: m.id,
                to: m.to_addr,
                subject: m.subject,
                body_text: if reveal {
                    m.body_text
                } else {
                    hide_tokens(&m.body_text, "(hidden: superusers only)")
                },
                state: m.state,
                attempts: m.attempts,
                last_error: m.last_error,
                created_at: m.created_at,
                sent_at: m.sent_at,
            })
            .collect())
    }
}

impl RetirementService {
    /// The retirement an admin acts on, and the reason they must give for it.
    async fn acted_on<'r>(&self, id: &str, reason: &'r str) -> Result<(StatusRow, &'r str), DomainError> {
        let reason = require_reason(reason)?;
        let status = rs::get(self.core.db(), id).await?.ok_or_else(|| not_found(id))?;
        Ok((status, reason))
    }
}
