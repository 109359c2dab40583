//! Statements only the demo seed (`seed::seed_demo`) uses: whether a one-off part of the demo data
//! is loaded already, the demo "Terms of use", and ending a demo deletion's cool-off at once.
//!
//! Nothing but the seed may call these: they go around the use cases (an agreement is published here
//! without the console's agreement rules, and a retirement's cool-off is cut short).

use super::now_ms;
use sqlx::{Any, AnyConnection, Executor};

/// How many agreements exist (the seed adds its "Terms of use" only when there are none).
pub async fn agreement_count(conn: &mut AnyConnection) -> Result<i64, super::DbError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM agreements").fetch_one(&mut *conn).await?)
}

/// Publish a required agreement at version 1 with its text, created and published at `now`.
pub async fn publish_required_agreement(
    conn: &mut AnyConnection,
    id: &str,
    title: &str,
    body: &str,
    now: i64,
) -> Result<(), super::DbError> {
    sqlx::query(
        "INSERT INTO agreements (id, title, version, required, created_at, published_at) VALUES ($1, $2, 1, $3, $4, $4)",
    )
    .bind(id)
    .bind(title)
    .bind(true)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO agreement_versions (agreement_id, version, title, body, published_at) VALUES ($1, 1, $2, $3, $4)",
    )
    .bind(id)
    .bind(title)
    .bind(body)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How many retirement statuses exist (the seed's deletions are made only when there are none).
pub async fn retirement_count<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<i64, super::DbError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM retirement_statuses").fetch_one(ex).await?)
}

/// Make a retirement due and ready to try now, ending its cool-off.
pub async fn end_cool_off_now<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    status_id: &str,
) -> Result<(), super::DbError> {
    sqlx::query("UPDATE retirement_statuses SET due_at = $1, next_try_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(status_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// How many programs exist (the seed's credentials are loaded only when there are none).
pub async fn program_count<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<i64, super::DbError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM programs").fetch_one(ex).await?)
}
