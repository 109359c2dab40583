//! The job queue: background work stored in the database, claimed with a lease so that any app
//! server can run it and a crashed worker's job is picked up again. Progress is written as the job
//! goes, for pages to follow; the result (JSON) stays for reports.

use super::mentions::{self, Source};
use super::{new_id, now_ms, Db, Dialect};
use sqlx::{Any, AnyConnection, AssertSqlSafe, Executor, FromRow};

/// A job as stored.
#[derive(Debug, Clone, FromRow)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub state: String,
    pub progress_done: i64,
    pub progress_total: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    pub result: Option<String>,
    pub error: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str =
    "id, kind, payload, state, progress_done, progress_total, attempts, max_attempts, result, \
                       error, created_by, created_at, updated_at";

/// Queue a job inside the caller's transaction; returns its id.
pub async fn enqueue(
    conn: &mut AnyConnection,
    kind: &str,
    payload: &serde_json::Value,
    created_by: Option<&str>,
    total: i64,
) -> Result<String, super::DbError> {
    let id = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload, state, progress_done, progress_total, attempts, max_attempts, created_by, \
         created_at, updated_at) VALUES ($1, $2, $3, 'queued', 0, $4, 0, 3, $5, $6, $6)",
    )
    .bind(&id)
    .bind(kind)
    .bind(payload.to_string())
    .bind(total)
    .bind(created_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let payload = payload.to_string();
    mentions::record(conn, Source::Job, &id, &mentions::names_in(&[Some(&payload)])).await?;
    Ok(id)
}

/// Record work that finished within its request (a small batch), so its report can be read later
/// the same way as a background job's. Returns the job id.
pub async fn insert_finished(
    conn: &mut AnyConnection,
    kind: &str,
    payload: &serde_json::Value,
    created_by: Option<&str>,
    total: i64,
    result: &serde_json::Value,
) -> Result<String, super::DbError> {
    let id = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload, state, progress_done, progress_total, attempts, max_attempts, result, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, 'succeeded', $4, $4, 1, 1, $5, $6, $7, $7)",
    )
    .bind(&id)
    .bind(kind)
    .bind(payload.to_string())
    .bind(total)
    .bind(result.to_string())
    .bind(created_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let (payload, result) = (payload.to_string(), result.to_string());
    mentions::record(conn, Source::Job, &id, &mentions::names_in(&[Some(&payload), Some(&result)])).await?;
    Ok(id)
}

/// Claim the oldest runnable job (queued, or running with an expired lease) for `worker`. Jobs whose
/// lease expired on their last attempt are marked failed first.
pub async fn claim(db: &Db, worker: &str, lease_ms: i64) -> Result<Option<JobRow>, super::DbError> {
    let now = now_ms();
    sqlx::query(
        "UPDATE jobs SET state = 'failed', error = 'the worker stopped answering on the last attempt', updated_at = $1 \
         WHERE state = 'running' AND lease_until < $1 AND attempts >= max_attempts",
    )
    .bind(now)
    .execute(&db.pool)
    .await?;
    let skip_locked = if db.dialect == Dialect::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "UPDATE jobs SET state = 'running', leased_by = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3 \
         WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' OR (state = 'running' AND lease_until < $3)) \
         AND attempts < max_attempts ORDER BY created_at LIMIT 1{skip_locked}) RETURNING {COLUMNS}"
    )))
    .bind(worker)
    .bind(now + lease_ms)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?)
}

/// Record progress and extend the lease; `false` when the job is no longer this worker's.
pub async fn progress<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
    worker: &str,
    done: i64,
    lease_ms: i64,
) -> Result<bool, super::DbError> {
    let now = now_ms();
    let updated = sqlx::query(
        "UPDATE jobs SET progress_done = $3, lease_until = $4, updated_at = $5 \
         WHERE id = $1 AND leased_by = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(worker)
    .bind(done)
    .bind(now + lease_ms)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Keep one slice's results (a JSON array) for a retry to resume from; inside the transaction that
/// did the slice's work, so the work and its results commit together.
pub async fn keep_slice(
    conn: &mut AnyConnection,
    id: &str,
    seq: i64,
    rows: &str,
) -> Result<(), super::DbError> {
    sqlx::query("INSERT INTO job_slices (job_id, seq, rows) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(seq)
        .bind(rows)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The kept slices of a job, in order.
pub async fn slices(db: &Db, id: &str) -> Result<Vec<String>, super::DbError> {
    Ok(sqlx::query_scalar("SELECT rows FROM job_slices WHERE job_id = $1 ORDER BY seq")
        .bind(id)
        .fetch_all(&db.pool)
        .await?)
}

/// Forget a finished job's slices (its result holds them all now).
pub async fn drop_slices(conn: &mut AnyConnection, id: &str) -> Result<(), super::DbError> {
    sqlx::query("DELETE FROM job_slices WHERE job_id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}

/// Finish a job with its result; `false` when the job is no longer this worker's.
pub async fn complete(
    conn: &mut AnyConnection,
    id: &str,
    worker: &str,
    result: &serde_json::Value,
) -> Result<bool, super::DbError> {
    let result = result.to_string();
    let updated = sqlx::query(
        "UPDATE jobs SET state = 'succeeded', result = $3, progress_done = progress_total, lease_until = NULL, \
         updated_at = $4 WHERE id = $1 AND leased_by = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(worker)
    .bind(&result)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() != 1 {
        return Ok(false);
    }
    mentions::record(conn, Source::Job, id, &mentions::names_in(&[Some(&result)])).await?;
    Ok(true)
}

/// Record a failed attempt: queued again while attempts remain, otherwise failed for good.
pub async fn fail(db: &Db, id: &str, worker: &str, error: &str) -> Result<bool, super::DbError> {
    let updated = sqlx::query(
        "UPDATE jobs SET state = CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END, error = $3, \
         lease_until = NULL, leased_by = NULL, updated_at = $4 WHERE id = $1 AND leased_by = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(worker)
    .bind(error.chars().take(2000).collect::<String>())
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// One job, for progress pages and reports.
pub async fn get(db: &Db, id: &str) -> Result<Option<JobRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {COLUMNS} FROM jobs WHERE id = $1")))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?)
}
