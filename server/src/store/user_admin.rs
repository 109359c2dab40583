//! What the admin console reads and clears about one account across the tables around it:
//! enrollments, role assignments, group memberships, sessions, API tokens, retirement and records
//! for the account's page; OAuth clients, grants and memberships when it is deactivated.
//!
//! Owns these statements only. It must not decide anything (who may see or change an account is the
//! console use cases' call), must not write the users table (`store::users` does) and must not open
//! transactions (callers pass theirs).

use super::{now_ms, Flag};
use sqlx::{Any, AnyConnection, Executor, FromRow};

/// An enrollment of the account, with its course's name.
#[derive(Debug, Clone, FromRow)]
pub struct EnrollmentRow {
    pub course_key: String,
    pub display_name: String,
    pub mode: String,
    pub is_active: Flag,
}

/// The account's newest 200 enrollments, newest first.
pub async fn enrollments<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<Vec<EnrollmentRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT e.course_key, c.display_name, e.mode, e.is_active FROM enrollments e \
         JOIN courses c ON c.key = e.course_key WHERE e.user_id = $1 ORDER BY e.created_at DESC LIMIT 200",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?)
}

/// A role assignment row of the account, ended ones included.
#[derive(Debug, Clone, FromRow)]
pub struct AssignmentRow {
    pub id: String,
    pub role: String,
    pub scope: String,
    pub org: Option<String>,
    pub course_key: Option<String>,
    pub expires_at: Option<i64>,
}

/// Every role assignment of the account, by scope, org, course and role.
pub async fn role_assignments<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<Vec<AssignmentRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT id, role, scope, org, course_key, expires_at FROM role_assignments WHERE user_id = $1 \
         ORDER BY scope, org, course_key, role",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?)
}

/// The names of the groups the account is a member of, by name.
pub async fn group_names<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<Vec<String>, super::DbError> {
    Ok(sqlx::query_scalar(
        "SELECT g.name FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = $1 ORDER BY g.name_key",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?)
}

/// A session of the account that has not expired.
#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: String,
    pub user_agent: String,
}

/// The account's unexpired sessions, most recently seen first.
pub async fn live_sessions<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<Vec<SessionRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT created_at, last_seen_at, ip, user_agent FROM sessions WHERE user_id = $1 AND expires_at > $2 \
         ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .bind(now_ms())
    .fetch_all(ex)
    .await?)
}

/// An API token of the account (never its secret).
#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// The account's newest 100 API tokens, revoked and expired ones included, newest first.
pub async fn tokens<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<Vec<TokenRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT name, created_at, last_used_at, expires_at, revoked_at FROM api_tokens WHERE user_id = $1 \
         ORDER BY created_at DESC LIMIT 100",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?)
}

/// Where the account's retirement stands, if it is being (or was) retired.
pub async fn retirement_state<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<Option<String>, super::DbError> {
    Ok(sqlx::query_scalar("SELECT current_state FROM retirement_statuses WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(ex)
        .await?)
}

/// How many programs the account's awarded course certificates count towards.
pub async fn record_program_count<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<i64, super::DbError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(DISTINCT pc.program_id) FROM user_credentials uc \
         JOIN course_certificates cc ON cc.id = uc.course_certificate_id \
         JOIN program_courses pc ON pc.course_key = cc.course_key \
         WHERE uc.user_id = $1 AND uc.status = 'awarded'",
    )
    .bind(user_id)
    .fetch_one(ex)
    .await?)
}

/// Drop every role assignment, library grant and group membership of the account; returns how many
/// rows went.
pub async fn drop_grants_and_memberships(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<u64, super::DbError> {
    let mut dropped = 0;
    for sql in [
        "DELETE FROM role_assignments WHERE user_id = $1",
        "DELETE FROM library_grants WHERE user_id = $1",
        "DELETE FROM group_members WHERE user_id = $1",
    ] {
        dropped += sqlx::query(sql).bind(user_id).execute(&mut *conn).await?.rows_affected();
    }
    Ok(dropped)
}
