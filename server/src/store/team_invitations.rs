//! Studio course team invitations: a role waiting for an email that has no account yet.

use super::{new_id, now_ms, Db};
use sqlx::{AnyConnection, FromRow};

/// A pending (or ended, until revoked) invitation. `invited_by` is the inviter's username in lists and
/// their id from [`take_for_email`].
#[derive(Debug, Clone, FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub course_key: String,
    pub email: String,
    pub role: String,
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub grant_expires_at: Option<i64>,
}

/// Invite `email` to `role` in `course` until `expires_at`; returns false when one is already there.
pub async fn create(
    conn: &mut AnyConnection,
    course: &str,
    email: &str,
    role: &str,
    invited_by: &str,
    expires_at: i64,
    grant_expires_at: Option<i64>,
) -> Result<Option<String>, super::DbError> {
    // An invitation that has ended does not block a new one.
    sqlx::query("DELETE FROM team_invitations WHERE course_key = $1 AND email_key = $2 AND expires_at <= $3")
        .bind(course)
        .bind(email.trim().to_lowercase())
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    let id = new_id();
    let done = sqlx::query(
        "INSERT INTO team_invitations (id, course_key, email_key, email, role, invited_by, created_at, expires_at, \
         grant_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(course)
    .bind(email.trim().to_lowercase())
    .bind(email.trim())
    .bind(role)
    .bind(invited_by)
    .bind(now_ms())
    .bind(expires_at)
    .bind(grant_expires_at)
    .execute(&mut *conn)
    .await?;
    Ok((done.rows_affected() > 0).then_some(id))
}

/// A course's invitations, newest first, with the inviter's username.
pub async fn for_course(db: &Db, course: &str) -> Result<Vec<InvitationRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT i.id, i.course_key, i.email, i.role, u.username AS invited_by, i.created_at, i.expires_at, \
         i.grant_expires_at FROM team_invitations i LEFT JOIN users u ON u.id = i.invited_by \
         WHERE i.course_key = $1 ORDER BY i.created_at DESC",
    )
    .bind(course)
    .fetch_all(&db.pool)
    .await?)
}

/// Delete one invitation of a course; returns it when it existed. One statement, so it takes the
/// write lock at once.
pub async fn revoke(
    conn: &mut AnyConnection,
    course: &str,
    id: &str,
) -> Result<Option<InvitationRow>, super::DbError> {
    Ok(sqlx::query_as(
        "DELETE FROM team_invitations WHERE course_key = $1 AND id = $2 \
         RETURNING id, course_key, email, role, invited_by, created_at, expires_at, grant_expires_at",
    )
    .bind(course)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Take every invitation for `email` (ended ones are deleted too) and return those still valid at `now`.
pub async fn take_for_email(
    conn: &mut AnyConnection,
    email: &str,
    now: i64,
) -> Result<Vec<InvitationRow>, super::DbError> {
    let key = email.trim().to_lowercase();
    let rows: Vec<InvitationRow> = sqlx::query_as(
        "SELECT id, course_key, email, role, invited_by, created_at, expires_at, grant_expires_at FROM team_invitations \
         WHERE email_key = $1",
    )
    .bind(&key)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM team_invitations WHERE email_key = $1").bind(&key).execute(&mut *conn).await?;
    Ok(rows.into_iter().filter(|r| r.expires_at > now).collect())
}
