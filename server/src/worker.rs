//! The background job worker: claims jobs from the database queue and runs them, records ended
//! grants (see `store::expiry`), and moves due retirements through their stages (`retirement`).
//! Every app server runs one; leases let a second server, or a restarted one, take over a job or a
//! retirement batch whose worker stopped.

use crate::services::enrollment::batch::{BATCH_JOB_KIND, JOB_LEASE_MS};
use crate::services::enrollment::EnrollmentService;
use crate::services::retirement::RetirementService;
use crate::services::Core;
use crate::store::{jobs, DbError};
use std::sync::Arc;
use std::time::Duration;

/// Runs queued jobs.
pub struct JobWorker {
    core: Arc<Core>,
    enrollment: EnrollmentService,
    retirement: RetirementService,
    name: String,
}

impl JobWorker {
    #[must_use]
    pub fn new(core: Arc<Core>) -> Self {
        Self {
            enrollment: EnrollmentService::new(core.clone()),
            retirement: RetirementService::new(core.clone()),
            core,
            name: format!("worker-{}", crate::store::new_id()),
        }
    }

    /// Claim and run one job; `Ok(false)` when none was waiting.
    pub async fn run_once(&self) -> Result<bool, DbError> {
        let Some(job) = jobs::claim(self.core.db(), &self.name, JOB_LEASE_MS).await? else {
            return Ok(false);
        };
        let outcome = match job.kind.as_str() {
            BATCH_JOB_KIND => self.enrollment.run_batch_job(&job, &self.name).await,
            other => Err(registrar::DomainError::with_message(
                registrar::ErrorCode::Internal,
                format!("no worker runs jobs of kind '{other}'"),
            )),
        };
        match outcome {
            Ok(true) => tracing::info!(job = %job.id, kind = %job.kind, "job finished"),
            Ok(false) => tracing::warn!(job = %job.id, "job was taken over by another worker"),
            Err(error) => {
                tracing::error!(job = %job.id, kind = %job.kind, %error, "job failed");
                jobs::fail(self.core.db(), &job.id, &self.name, &error.message).await?;
            }
        }
        Ok(true)
    }

    /// Run jobs until none is waiting (tests and one-off commands).
    pub async fn drain(&self) -> Result<usize, DbError> {
        let mut ran = 0;
        while self.run_once().await? {
            ran += 1;
        }
        Ok(ran)
    }

    /// Record and remove ended grants; returns how many.
    pub async fn sweep_expired(&self) -> Result<usize, DbError> {
        let ended = crate::store::expiry::sweep(self.core.db()).await?;
        if ended > 0 {
            tracing::info!(ended, "recorded ended grants");
        }
        Ok(ended)
    }

    /// Move due retirements through their stages (batches until none is due) and redact the records
    /// of retirements past their cleanup time; returns how many learners moved.
    pub async fn retire_due(&self) -> Result<usize, registrar::DomainError> {
        let mut total = 0;
        loop {
            let moved = self.retirement.retirement_tick(&self.name).await?;
            total += moved;
            if moved == 0 {
                return Ok(total);
            }
        }
    }

    /// Run forever, looking for work every `poll` when idle and sweeping ended grants every
    /// `EXPIRY_SWEEP` (access already stopped at the end date; the sweep writes the audit entry).
    pub async fn run(self, poll: Duration) {
        const EXPIRY_SWEEP: Duration = Duration::from_secs(30);
        const RETIREMENT_POLL: Duration = Duration::from_secs(5);
        let mut last_sweep: Option<std::time::Instant> = None;
        let mut last_retirement: Option<std::time::Instant> = None;
        loop {
            if last_retirement.is_none_or(|at| at.elapsed() >= RETIREMENT_POLL) {
                if let Err(error) = self.retire_due().await {
                    tracing::warn!(%error, "could not run due retirements");
                }
                last_retirement = Some(std::time::Instant::now());
            }
            // Checked before any job, so a steady stream of jobs cannot starve the sweep.
            if last_sweep.is_none_or(|at| at.elapsed() >= EXPIRY_SWEEP) {
                if let Err(error) = self.sweep_expired().await {
                    tracing::warn!(%error, "could not sweep ended grants");
                }
                last_sweep = Some(std::time::Instant::now());
            }
            match self.run_once().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "could not claim a job"),
            }
            tokio::time::sleep(poll).await;
        }
    }
}
