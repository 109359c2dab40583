//! Batch enrollment persistence: load the facts for a whole list in a few queries, write a batch's
//! plans in multi-row statements, and turn invitations into enrollments when their email registers.

use super::{list_placeholders, now_ms, values_placeholders, Db, Flag};
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};
use std::collections::HashSet;

/// Rows per multi-row statement (keeps every statement well under both engines' parameter limits).
const CHUNK: usize = 100;

/// An account matched by username or email.
#[derive(Debug, Clone, FromRow)]
pub struct Account {
    pub id: String,
    pub username_key: String,
    pub email: String,
    pub email_key: String,
    pub is_active: Flag,
}

/// Accounts whose case-folded username or email is in `keys`.
pub async fn accounts_matching(db: &Db, keys: &[String]) -> Result<Vec<Account>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        let list = list_placeholders(1, chunk.len());
        let sql = format!(
            "SELECT id, username_key, email, email_key, is_active FROM users \
             WHERE username_key IN ({list}) OR email_key IN ({list})"
        );
        let mut q = sqlx::query_as(AssertSqlSafe(sql));
        for key in chunk {
            q = q.bind(key);
        }
        out.extend(q.fetch_all(&db.pool).await?);
    }
    Ok(out)
}

/// Which of `user_ids` are actively enrolled in `course`.
pub async fn actively_enrolled(
    db: &Db,
    course: &str,
    user_ids: &[String],
) -> Result<HashSet<String>, sqlx::Error> {
    let mut out = HashSet::new();
    for chunk in user_ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT user_id FROM enrollments WHERE course_key = $1 AND is_active = $2 AND user_id IN ({})",
            list_placeholders(3, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).bind(course).bind(true);
        for id in chunk {
            q = q.bind(id);
        }
        out.extend(q.fetch_all(&db.pool).await?);
    }
    Ok(out)
}

/// An invitation: (email key, auto-enroll, the account that used it).
pub type Invitation = (String, Flag, Option<String>);

/// Invitations to `course` for any of `email_keys`.
pub async fn invitations(
    db: &Db,
    course: &str,
    email_keys: &[String],
) -> Result<Vec<Invitation>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in email_keys.chunks(CHUNK) {
        let sql = format!(
            "SELECT email_key, auto_enroll, user_id FROM enrollment_invitations WHERE course_key = $1 AND email_key IN ({})",
            list_placeholders(2, chunk.len())
        );
        let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(course);
        for key in chunk {
            q = q.bind(key);
        }
        out.extend(q.fetch_all(&db.pool).await?);
    }
    Ok(out)
}

/// One enrollment-audit row.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub email: String,
    pub user_id: Option<String>,
    pub transition: &'static str,
}

/// Everything one batch writes.
#[derive(Debug, Clone, Default)]
pub struct Writes {
    pub enroll: Vec<String>,
    pub unenroll: Vec<String>,
    /// (email key, email, auto-enroll)
    pub invite: Vec<(String, String, bool)>,
    pub cancel: Vec<String>,
    pub audit: Vec<AuditRow>,
}

/// Who acts, for the audit rows.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: Option<&'a str>,
    pub label: &'a str,
}

/// Write a batch inside the caller's transaction, in multi-row statements.
pub async fn apply(
    conn: &mut AnyConnection,
    course: &str,
    writes: &Writes,
    actor: Actor<'_>,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for chunk in writes.enroll.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO enrollments (user_id, course_key, mode, is_active, created_at) VALUES {} \
             ON CONFLICT (user_id, course_key) DO UPDATE SET is_active = excluded.is_active",
            values_placeholders(1, chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id).bind(course).bind("audit").bind(true).bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in writes.unenroll.chunks(CHUNK) {
        let sql = format!(
            "UPDATE enrollments SET is_active = $2 WHERE course_key = $1 AND user_id IN ({})",
            list_placeholders(3, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(course).bind(false);
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in writes.invite.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO enrollment_invitations (email_key, email, course_key, auto_enroll, created_by, created_at) \
             VALUES {} ON CONFLICT (email_key, course_key) DO UPDATE SET auto_enroll = excluded.auto_enroll",
            values_placeholders(1, chunk.len(), 6)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (key, email, auto) in chunk {
            q = q.bind(key).bind(email).bind(course).bind(*auto).bind(actor.id).bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in writes.cancel.chunks(CHUNK) {
        let sql = format!(
            "DELETE FROM enrollment_invitations WHERE course_key = $1 AND email_key IN ({})",
            list_placeholders(2, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(course);
        for key in chunk {
            q = q.bind(key);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in writes.audit.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO enrollment_audit (at, course_key, email, user_id, actor_id, actor_label, transition, reason) \
             VALUES {}",
            values_placeholders(1, chunk.len(), 8)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for row in chunk {
            q = q
                .bind(now)
                .bind(course)
                .bind(&row.email)
                .bind(row.user_id.as_deref())
                .bind(actor.id)
                .bind(actor.label)
                .bind(row.transition)
                .bind(reason);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// When an active account takes an email: bind that email's unused invitations to it and enroll it
/// in every course whose invitation says auto-enroll, with an audit row each. Returns the courses.
pub async fn redeem_invitations(
    conn: &mut AnyConnection,
    user_id: &str,
    email: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let key = email.trim().to_lowercase();
    let courses: Vec<String> = sqlx::query_scalar(
        "SELECT course_key FROM enrollment_invitations \
         WHERE email_key = $1 AND auto_enroll = $2 AND (user_id IS NULL OR user_id = $3) ORDER BY course_key",
    )
    .bind(&key)
    .bind(true)
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query("UPDATE enrollment_invitations SET user_id = $2 WHERE email_key = $1 AND user_id IS NULL")
        .bind(&key)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    if courses.is_empty() {
        return Ok(courses);
    }
    let writes = Writes {
        enroll: vec![user_id.to_owned()],
        audit: vec![AuditRow {
            email: email.to_owned(),
            user_id: Some(user_id.to_owned()),
            transition: registrar::enrollment::Transition::AllowedToEnrolled.as_str(),
        }],
        ..Writes::default()
    };
    for course in &courses {
        apply(
            conn,
            course,
            &writes,
            Actor { id: None, label: "system:invitation" },
            Some("invitation redeemed on registration"),
        )
        .await?;
    }
    Ok(courses)
}
