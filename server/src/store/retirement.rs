//! Retirement tables: the state list, requests, statuses (with their lease) and their events.
//!
//! The stages that retire a learner's data elsewhere live in `store::personal_data`; this module only
//! keeps the retirement's own bookkeeping, plus the few reads and writes of `users` (and the count of
//! requests in the audit log) that the retirement use cases need: deactivating and reactivating the
//! account, current identities for the service API, and when retired names were retired.

use super::{list_placeholders, new_id, now_ms, Db, Dialect, Flag};
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};

/// A row of `retirement_states`.
#[derive(Debug, Clone, FromRow)]
pub struct StateRow {
    pub name: String,
    pub exec_order: i64,
    pub is_dead_end: Flag,
    pub is_required: Flag,
}

/// The states as stored, in execution order.
pub async fn states(db: &Db) -> Result<Vec<StateRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT name, exec_order, is_dead_end, is_required FROM retirement_states ORDER BY exec_order",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// Replace the stored list by `names` (steps 1, 11, 21, …) inside the caller's transaction.
pub async fn replace_states(conn: &mut AnyConnection, names: &[String]) -> Result<(), super::DbError> {
    // A write first, so SQLite's transaction holds the write lock before it reads.
    sqlx::query("UPDATE retirement_states SET exec_order = exec_order WHERE name = ''")
        .execute(&mut *conn)
        .await?;
    let current: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM retirement_states").fetch_all(&mut *conn).await?;
    for (name,) in current {
        if !names.contains(&name) {
            sqlx::query("DELETE FROM retirement_states WHERE name = $1")
                .bind(&name)
                .execute(&mut *conn)
                .await?;
        }
    }
    // Move every remaining row out of the way first, so the new orders never clash.
    sqlx::query("UPDATE retirement_states SET exec_order = exec_order + 100000").execute(&mut *conn).await?;
    for (i, name) in names.iter().enumerate() {
        let order = 1 + 10 * i64::try_from(i).unwrap_or(0);
        let dead_end = registrar::retirement::is_dead_end(name);
        let required = registrar::retirement::is_required(name);
        let updated = sqlx::query("UPDATE retirement_states SET exec_order = $1 WHERE name = $2")
            .bind(order)
            .bind(name)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if updated == 0 {
            sqlx::query(
                "INSERT INTO retirement_states (name, exec_order, is_dead_end, is_required) VALUES ($1, $2, $3, $4)",
            )
            .bind(name)
            .bind(order)
            .bind(dead_end)
            .bind(required)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// How many learners are in each state.
pub async fn counts_by_state(db: &Db) -> Result<Vec<(String, i64)>, super::DbError> {
    Ok(sqlx::query_as("SELECT current_state, COUNT(*) FROM retirement_statuses GROUP BY current_state")
        .fetch_all(&db.pool)
        .await?)
}

/// A retirement status.
#[derive(Debug, Clone, FromRow)]
pub struct StatusRow {
    pub id: String,
    pub user_id: String,
    pub original_username: String,
    pub original_email: String,
    pub original_name: String,
    pub retired_username: String,
    pub retired_email: String,
    pub current_state: String,
    pub last_state: String,
    pub created_at: i64,
    pub modified_at: i64,
    pub due_at: i64,
    pub next_try_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub lease_until: Option<i64>,
    pub leased_by: Option<String>,
    pub completed_at: Option<i64>,
    pub cleaned_at: Option<i64>,
}

pub const STATUS_COLUMNS: &str = "id, user_id, original_username, original_email, original_name, retired_username, \
     retired_email, current_state, last_state, created_at, modified_at, due_at, next_try_at, attempts, last_error, \
     lease_until, leased_by, completed_at, cleaned_at";

/// What a new retirement records.
pub struct NewStatus<'a> {
    pub user_id: &'a str,
    pub original_username: &'a str,
    pub original_email: &'a str,
    pub original_name: &'a str,
    pub retired_username: &'a str,
    pub retired_email: &'a str,
    pub due_at: i64,
    pub source: &'a str,
}

/// Insert the request (if it is the first) and the status in PENDING; returns the status id.
pub async fn create(
    conn: &mut AnyConnection,
    new: &NewStatus<'_>,
    actor: &str,
) -> Result<String, super::DbError> {
    let now = now_ms();
    let id = new_id();
    // A write first (SQLite's transaction then holds the write lock); a request on record stays.
    sqlx::query(
        "INSERT INTO retirement_requests (user_id, source, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(new.user_id)
    .bind(new.source)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO retirement_statuses (id, user_id, original_username, original_email, original_name, \
         retired_username, retired_email, current_state, last_state, created_at, modified_at, due_at, next_try_at, \
         attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING', 'PENDING', $8, $8, $9, $9, 0)",
    )
    .bind(&id)
    .bind(new.user_id)
    .bind(new.original_username)
    .bind(new.original_email)
    .bind(new.original_name)
    .bind(new.retired_username)
    .bind(new.retired_email)
    .bind(now)
    .bind(new.due_at)
    .execute(&mut *conn)
    .await?;
    event(
        conn,
        &id,
        None,
        registrar::retirement::PENDING,
        &format!("Requested; due {}", day(new.due_at)),
        actor,
    )
    .await?;
    Ok(id)
}

/// `YYYY-MM-DD` of an epoch-millisecond time (UTC).
#[must_use]
pub fn day(ms: i64) -> String {
    app::model::format_date(ms)
}

/// Append an event.
pub async fn event(
    conn: &mut AnyConnection,
    status_id: &str,
    from: Option<&str>,
    to: &str,
    message: &str,
    actor: &str,
) -> Result<(), super::DbError> {
    sqlx::query(
        "INSERT INTO retirement_events (status_id, at, from_state, to_state, message, actor_label) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(status_id)
    .bind(now_ms())
    .bind(from)
    .bind(to)
    .bind(message)
    .bind(actor)
    .execute(conn)
    .await?;
    Ok(())
}

/// One event row.
#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub at: i64,
    pub from_state: Option<String>,
    pub to_state: String,
    pub message: String,
    pub actor_label: String,
}

pub async fn events(db: &Db, status_id: &str) -> Result<Vec<EventRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT at, from_state, to_state, message, actor_label FROM retirement_events WHERE status_id = $1 ORDER BY id",
    )
    .bind(status_id)
    .fetch_all(&db.pool)
    .await?)
}

/// The status of a user.
pub async fn for_user<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    user_id: &str,
) -> Result<Option<StatusRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {STATUS_COLUMNS} FROM retirement_statuses WHERE user_id = $1"
    )))
    .bind(user_id)
    .fetch_optional(ex)
    .await?)
}

pub async fn get(db: &Db, id: &str) -> Result<Option<StatusRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {STATUS_COLUMNS} FROM retirement_statuses WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?)
}

/// The status whose original or retired username is exactly `username`.
pub async fn by_username(db: &Db, username: &str) -> Result<Option<StatusRow>, super::DbError> {
    let rows: Vec<StatusRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {STATUS_COLUMNS} FROM retirement_statuses WHERE lower(original_username) = $1 \
         UNION SELECT {STATUS_COLUMNS} FROM retirement_statuses WHERE retired_username = $2"
    )))
    .bind(username.to_lowercase())
    .bind(username)
    .fetch_all(&db.pool)
    .await?;
    // Several case variants: the exact one wins.
    Ok(rows
        .iter()
        .find(|r| r.original_username == username || r.retired_username == username)
        .or(rows.first())
        .cloned())
}

/// The COMPLETE statuses whose original username is exactly one of `usernames`, in one query per
/// 500 names.
pub async fn complete_by_original_username(
    db: &Db,
    usernames: &[String],
) -> Result<Vec<StatusRow>, super::DbError> {
    let mut out = Vec::new();
    for chunk in usernames.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT {STATUS_COLUMNS} FROM retirement_statuses WHERE current_state = 'COMPLETE' \
             AND original_username IN ({})",
            list_placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_as(AssertSqlSafe(sql));
        for name in chunk {
            q = q.bind(name);
        }
        out.extend(q.fetch_all(&db.pool).await?);
    }
    Ok(out)
}

/// The status whose original email is `email` (any case).
pub async fn by_email(db: &Db, email: &str) -> Result<Option<StatusRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {STATUS_COLUMNS} FROM retirement_statuses WHERE lower(original_email) = $1 ORDER BY created_at DESC"
    )))
    .bind(email.trim().to_lowercase())
    .fetch_optional(&db.pool)
    .await?)
}

/// A search for the console: by original or retired username or email (exact, any case), by state.
pub async fn search(
    db: &Db,
    term: &str,
    state: Option<&str>,
    limit: i64,
) -> Result<Vec<StatusRow>, super::DbError> {
    let term = term.trim();
    let mut sql = format!("SELECT {STATUS_COLUMNS} FROM retirement_statuses WHERE 1 = 1");
    let mut n = 0;
    if !term.is_empty() {
        sql.push_str(
            " AND (lower(original_username) = $1 OR lower(original_email) = $1 OR retired_username = $2 \
             OR retired_email = $2)",
        );
        n = 2;
    }
    if state.is_some() {
        n += 1;
        sql.push_str(&format!(" AND current_state = ${n}"));
    }
    sql.push_str(&format!(" ORDER BY created_at DESC LIMIT ${}", n + 1));
    let mut q = sqlx::query_as(AssertSqlSafe(sql));
    if !term.is_empty() {
        q = q.bind(term.to_lowercase()).bind(term.to_owned());
    }
    if let Some(state) = state {
        q = q.bind(state.to_owned());
    }
    Ok(q.bind(limit).fetch_all(&db.pool).await?)
}

/// The error of a move whose learner someone else moved first (an admin, another worker): the
/// transaction must roll back and that learner be left to whoever moved them.
#[must_use]
pub fn changed_meanwhile() -> super::DbError {
    super::DbError::from(sqlx::Error::RowNotFound)
}

/// Whether an error is [`changed_meanwhile`].
#[must_use]
pub fn is_changed_meanwhile(error: &super::DbError) -> bool {
    error.is_row_not_found()
}

/// Move a status from the state the caller read to `to` (the caller checked the transition) and
/// record the event; [`changed_meanwhile`] if it is no longer in that state.
pub async fn move_to(
    conn: &mut AnyConnection,
    status: &StatusRow,
    to: &str,
    message: &str,
    actor: &str,
) -> Result<(), super::DbError> {
    let now = now_ms();
    let completed = (to == registrar::retirement::COMPLETE).then_some(now);
    let moved = sqlx::query(
        "UPDATE retirement_statuses SET last_state = current_state, current_state = $1, modified_at = $2, \
         completed_at = COALESCE($3, completed_at) WHERE id = $4 AND current_state = $5",
    )
    .bind(to)
    .bind(now)
    .bind(completed)
    .bind(&status.id)
    .bind(&status.current_state)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if moved != 1 {
        return Err(changed_meanwhile());
    }
    event(conn, &status.id, Some(&status.current_state), to, message, actor).await
}

/// Move many statuses, all in the same state, into `to` with one statement and one event each;
/// [`changed_meanwhile`] if any of them is no longer in that state.
pub async fn move_many(
    conn: &mut AnyConnection,
    statuses: &[&StatusRow],
    to: &str,
    message: &str,
    actor: &str,
) -> Result<(), super::DbError> {
    if statuses.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let completed = (to == registrar::retirement::COMPLETE).then_some(now);
    for chunk in statuses.chunks(super::ROWS_PER_STATEMENT) {
        for s in chunk {
            if s.current_state != chunk[0].current_state {
                return Err(changed_meanwhile());
            }
        }
        let sql = format!(
            "UPDATE retirement_statuses SET last_state = current_state, current_state = $1, modified_at = $2, \
             completed_at = COALESCE($3, completed_at), attempts = 0, last_error = NULL \
             WHERE current_state = $4 AND id IN ({})",
            list_placeholders(5, chunk.len())
        );
        let mut q =
            sqlx::query(AssertSqlSafe(sql)).bind(to).bind(now).bind(completed).bind(&chunk[0].current_state);
        for s in chunk {
            q = q.bind(&s.id);
        }
        if q.execute(&mut *conn).await?.rows_affected() != chunk.len() as u64 {
            return Err(changed_meanwhile());
        }
        let dialect = Dialect::of_connection(conn);
        let sql = format!(
            "INSERT INTO retirement_events (status_id, at, from_state, to_state, message, actor_label) VALUES {}",
            super::values_placeholders(dialect, chunk.len(), 6)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for s in chunk {
            q = q.bind(&s.id).bind(now).bind(&s.current_state).bind(to).bind(message).bind(actor);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Claim up to `limit` learners the built-in worker should move on: resting in one of `resting`,
/// due, and not leased by anyone (an external driver or another server).
pub async fn claim(
    db: &Db,
    resting: &[String],
    limit: i64,
    lease_ms: i64,
    worker: &str,
) -> Result<Vec<StatusRow>, super::DbError> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    if db.dialect == Dialect::Sqlite {
        // Take the write lock before reading, so two servers never claim the same learners.
        sqlx::query("UPDATE retirement_statuses SET lease_until = lease_until WHERE id = ''")
            .execute(&mut *tx)
            .await?;
    }
    let lock = if db.dialect == Dialect::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "SELECT {STATUS_COLUMNS} FROM retirement_statuses WHERE current_state IN ({}) AND next_try_at <= ${} \
         AND (lease_until IS NULL OR lease_until < ${}) ORDER BY next_try_at LIMIT ${}{lock}",
        list_placeholders(1, resting.len()),
        resting.len() + 1,
        resting.len() + 2,
        resting.len() + 3,
    );
    let mut q = sqlx::query_as::<_, StatusRow>(AssertSqlSafe(sql));
    for s in resting {
        q = q.bind(s);
    }
    let rows = q.bind(now).bind(now).bind(limit).fetch_all(&mut *tx).await?;
    for chunk in rows.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE retirement_statuses SET lease_until = $1, leased_by = $2 WHERE id IN ({})",
            list_placeholders(3, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(now + lease_ms).bind(worker);
        for r in chunk {
            q = q.bind(&r.id);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(rows)
}

/// Take (or renew) the lease on one learner for `holder`, unless someone else holds a live one.
/// Returns whether the lease is now held by `holder`.
pub async fn lease_one(
    conn: &mut AnyConnection,
    id: &str,
    holder: &str,
    lease_ms: i64,
) -> Result<bool, super::DbError> {
    let now = now_ms();
    let taken = sqlx::query(
        "UPDATE retirement_statuses SET lease_until = $1, leased_by = $2 WHERE id = $3 \
         AND (lease_until IS NULL OR lease_until < $4 OR leased_by = $2)",
    )
    .bind(now + lease_ms)
    .bind(holder)
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(taken == 1)
}

/// Extend the leases `worker` holds on these learners (before each stage of a long batch).
pub async fn renew(db: &Db, ids: &[String], worker: &str, lease_ms: i64) -> Result<(), super::DbError> {
    for chunk in ids.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE retirement_statuses SET lease_until = $1 WHERE leased_by = $2 AND id IN ({})",
            list_placeholders(3, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(now_ms() + lease_ms).bind(worker);
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(&db.pool).await?;
    }
    Ok(())
}

/// Let go of the leases the worker took.
pub async fn release(db: &Db, ids: &[String], worker: &str) -> Result<(), super::DbError> {
    for chunk in ids.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE retirement_statuses SET lease_until = NULL, leased_by = NULL WHERE leased_by = $1 AND id IN ({})",
            list_placeholders(2, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(worker);
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(&db.pool).await?;
    }
    Ok(())
}

/// Record a failed attempt: try again at `next_try_at`.
pub async fn record_failure(
    db: &Db,
    status: &StatusRow,
    error: &str,
    next_try_at: i64,
    actor: &str,
) -> Result<(), super::DbError> {
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "UPDATE retirement_statuses SET attempts = attempts + 1, last_error = $1, next_try_at = $2, \
         modified_at = $3 WHERE id = $4",
    )
    .bind(error)
    .bind(next_try_at)
    .bind(now_ms())
    .bind(&status.id)
    .execute(&mut *tx)
    .await?;
    event(
        &mut tx,
        &status.id,
        Some(&status.current_state),
        &status.current_state,
        &format!(
            "Attempt {} failed: {error}; trying again at {}",
            status.attempts + 1,
            day_time(next_try_at)
        ),
        actor,
    )
    .await?;
    Ok(tx.commit().await?)
}

/// `YYYY-MM-DD HH:MM UTC`.
#[must_use]
pub fn day_time(ms: i64) -> String {
    let minutes = ms.rem_euclid(86_400_000) / 60_000;
    format!("{} {:02}:{:02} UTC", day(ms), minutes / 60, minutes % 60)
}

/// Set the error text and the attempt count back (after an admin resumes). Whoever holds the lease
/// keeps it: the learner is picked up when it ends.
pub async fn reset_attempts(conn: &mut AnyConnection, id: &str) -> Result<(), super::DbError> {
    sqlx::query(
        "UPDATE retirement_statuses SET attempts = 0, last_error = NULL, next_try_at = $1 WHERE id = $2",
    )
    .bind(now_ms())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Remove a retirement and its events (an aborted one that a new request replaces).
pub async fn delete_status(conn: &mut AnyConnection, id: &str) -> Result<(), super::DbError> {
    sqlx::query("DELETE FROM retirement_events WHERE status_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM retirement_statuses WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}

/// Remove a pending retirement (a cancel): the status and its events; the request stays on record.
pub async fn delete_pending(conn: &mut AnyConnection, id: &str) -> Result<bool, super::DbError> {
    sqlx::query("DELETE FROM retirement_events WHERE status_id = $1").bind(id).execute(&mut *conn).await?;
    let n = sqlx::query("DELETE FROM retirement_statuses WHERE id = $1 AND current_state = 'PENDING'")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Retirements completed before `before` whose originals are still there.
pub async fn due_for_cleanup(db: &Db, before: i64, limit: i64) -> Result<Vec<StatusRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {STATUS_COLUMNS} FROM retirement_statuses WHERE current_state = 'COMPLETE' AND cleaned_at IS NULL \
         AND completed_at <= $1 ORDER BY completed_at LIMIT $2"
    )))
    .bind(before)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// Statuses created in `[from, to)`, optionally in one state (service API).
pub async fn created_between(
    db: &Db,
    from: i64,
    to: i64,
    state: &str,
) -> Result<Vec<StatusRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {STATUS_COLUMNS} FROM retirement_statuses WHERE created_at >= $1 AND created_at < $2 \
         AND current_state = $3 ORDER BY id"
    )))
    .bind(from)
    .bind(to)
    .bind(state)
    .fetch_all(&db.pool)
    .await?)
}

/// Statuses in `states` created before `before` (the service API's queue).
pub async fn queue(
    db: &Db,
    states: &[String],
    before: i64,
    limit: Option<i64>,
) -> Result<Vec<StatusRow>, super::DbError> {
    let sql = format!(
        "SELECT {STATUS_COLUMNS} FROM retirement_statuses WHERE current_state IN ({}) AND created_at < ${} \
         ORDER BY created_at, id LIMIT ${}",
        list_placeholders(1, states.len()),
        states.len() + 1,
        states.len() + 2
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql));
    for s in states {
        q = q.bind(s);
    }
    Ok(q.bind(before).bind(limit.unwrap_or(i64::MAX)).fetch_all(&db.pool).await?)
}

/// Retirements requested per day (UTC day number, count) since `since`, for the console chart.
pub async fn per_day(db: &Db, since: i64) -> Result<Vec<(i64, i64)>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT created_at / 86400000 AS day, COUNT(*) FROM retirement_statuses WHERE created_at >= $1 \
         GROUP BY created_at / 86400000 ORDER BY 1",
    )
    .bind(since)
    .fetch_all(&db.pool)
    .await?)
}

/// Who asked for a user's retirement (`learner` or `admin`), if a request is on record.
pub async fn request_source(db: &Db, user_id: &str) -> Result<Option<String>, super::DbError> {
    Ok(sqlx::query_scalar("SELECT source FROM retirement_requests WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?)
}

/// Forget a user's retirement request (a cancel in the cool-off), inside the caller's transaction.
pub async fn delete_request(conn: &mut AnyConnection, user_id: &str) -> Result<(), super::DbError> {
    sqlx::query("DELETE FROM retirement_requests WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

/// How many deletion requests for `user_id` the audit log holds since `since` (the first one made
/// after a mailed confirmation link spends it).
pub async fn requests_since(db: &Db, user_id: &str, since: i64) -> Result<i64, super::DbError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE target_type = 'user' AND target_id = $1 \
         AND action = 'retirement.request' AND at >= $2",
    )
    .bind(user_id)
    .bind(since)
    .fetch_one(&db.pool)
    .await?)
}

/// Count the attempt after which the worker gave up on a learner (now ERRORED), with its error
/// text, inside the caller's transaction.
pub async fn record_final_failure(
    conn: &mut AnyConnection,
    id: &str,
    error: &str,
) -> Result<(), super::DbError> {
    sqlx::query("UPDATE retirement_statuses SET attempts = attempts + 1, last_error = $1 WHERE id = $2")
        .bind(error)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deactivate the account of a learner whose deletion is queued, inside the caller's transaction.
pub async fn deactivate_user(
    conn: &mut AnyConnection,
    dialect: Dialect,
    user_id: &str,
) -> Result<(), super::DbError> {
    let no = if dialect == Dialect::Postgres { "FALSE" } else { "0" };
    sqlx::query(AssertSqlSafe(format!("UPDATE users SET is_active = {no} WHERE id = $1")))
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Give back sign-in to the account of a learner whose deletion was cancelled, inside the caller's
/// transaction: only an account whose state is `active` signs in again (one deactivated while its
/// deletion waited, or never set up, stays off; the request only turned `is_active` off).
pub async fn restore_sign_in(conn: &mut AnyConnection, user_id: &str) -> Result<(), super::DbError> {
    sqlx::query("UPDATE users SET is_active = (state = 'active') WHERE id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A user's current identity, as the service API shows it beside their retirement.
#[derive(Debug, Clone, FromRow)]
pub struct IdentityRow {
    pub id: String,
    pub username: String,
    pub email: String,
    pub full_name: String,
}

/// The current identities of these users, in one query per 500 ids; users that no longer exist are
/// left out.
pub async fn identities(db: &Db, user_ids: &[String]) -> Result<Vec<IdentityRow>, super::DbError> {
    let mut out = Vec::with_capacity(user_ids.len());
    for chunk in user_ids.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT id, username, email, full_name FROM users WHERE id IN ({})",
            list_placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_as::<_, IdentityRow>(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id);
        }
        out.extend(q.fetch_all(&db.pool).await?);
    }
    Ok(out)
}

/// The key of `users` a retired identity is looked up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKey {
    Username,
    Email,
}

/// When each retired account whose username (or email) is one of `values`, in any case, was retired.
pub async fn retired_at(db: &Db, key: IdentityKey, values: &[String]) -> Result<Vec<i64>, super::DbError> {
    let column = match key {
        IdentityKey::Username => "username_key",
        IdentityKey::Email => "email_key",
    };
    let sql = format!(
        "SELECT retired_at FROM users WHERE retired_at IS NOT NULL AND {column} IN ({})",
        list_placeholders(1, values.len())
    );
    let mut q = sqlx::query_as::<_, (i64,)>(AssertSqlSafe(sql));
    for v in values {
        q = q.bind(v.to_lowercase());
    }
    Ok(q.fetch_all(&db.pool).await?.into_iter().map(|(at,)| at).collect())
}
