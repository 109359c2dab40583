//! The admin console's tables: agreements and their signatures, invitations by email, the
//! permissions groups give, and the searches over users, the audit log and jobs. Explicit columns;
//! every list is served by an index (`migrations/*/0008_console.sql`).

use super::{now_ms, prefix_bounds, Db, Flag};
use sqlx::{Any, AnyConnection, AssertSqlSafe, Executor, FromRow};

/// The console permissions a user holds through their groups (codenames).
pub async fn permissions_of(db: &Db, user_id: &str) -> Result<Vec<String>, super::DbError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT gp.permission FROM group_permissions gp \
         JOIN group_members gm ON gm.group_id = gp.group_id WHERE gm.user_id = $1",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?)
}

/// The permissions one group gives (codenames, sorted).
pub async fn group_permissions(db: &Db, group_id: &str) -> Result<Vec<String>, super::DbError> {
    Ok(sqlx::query_scalar("SELECT permission FROM group_permissions WHERE group_id = $1 ORDER BY permission")
        .bind(group_id)
        .fetch_all(&db.pool)
        .await?)
}

/// Replace the permissions a group gives.
pub async fn set_group_permissions(
    conn: &mut AnyConnection,
    group_id: &str,
    codenames: &[String],
) -> Result<(), super::DbError> {
    sqlx::query("DELETE FROM group_permissions WHERE group_id = $1")
        .bind(group_id)
        .execute(&mut *conn)
        .await?;
    for codename in codenames {
        sqlx::query("INSERT INTO group_permissions (group_id, permission, created_at) VALUES ($1, $2, $3)")
            .bind(group_id)
            .bind(codename)
            .bind(now_ms())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The SQL condition of a users-list filter (see `app::model::console::USER_FILTERS`), or `None`
/// for an unknown one.
#[must_use]
pub fn user_filter(filter: &str) -> Option<&'static str> {
    Some(match filter {
        "" => "1 = 1",
        "active" => "is_active AND state = 'active'",
        // Written with the partial index's own condition so both engines use it.
        "staff" => "(is_staff OR is_superuser) AND is_staff",
        "superuser" => "(is_staff OR is_superuser) AND is_superuser",
        "invited" => "state = 'invited'",
        "new" => "state = 'new'",
        "deactivated" => "state = 'deactivated'",
        "retired" => "id IN (SELECT user_id FROM retirement_statuses)",
        _ => return None,
    })
}

/// One page of users whose username, email or name starts with `q` (any case), by username, and
/// how many match (counted up to `cap` + 1).
pub async fn search_users(
    db: &Db,
    q: &str,
    filter_sql: &str,
    limit: i64,
    offset: i64,
    cap: i64,
) -> Result<(Vec<super::users::UserRow>, i64), super::DbError> {
    let (lo, hi) = prefix_bounds(q);
    // Each of the three prefixes is a range on its own index; their union is what matches (an OR
    // of the three would let a planner walk the whole username index instead).
    let search = if lo.is_empty() {
        "($1 = $1 AND $2 = $2)".to_owned()
    } else {
        let d = db.dialect;
        format!(
            "id IN (SELECT id FROM users WHERE {} UNION SELECT id FROM users WHERE {} \
             UNION SELECT id FROM users WHERE {})",
            d.starts_with("username_key", 1, 2),
            d.starts_with("email_key", 1, 2),
            d.starts_with("lower(full_name)", 1, 2)
        )
    };
    let columns = super::users::COLUMNS;
    let rows = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {columns} FROM users WHERE {search} AND {filter_sql} ORDER BY username_key LIMIT $3 OFFSET $4"
    )))
    .bind(&lo)
    .bind(&hi)
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    let total = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE {search} AND {filter_sql} LIMIT $3) matches"
    )))
    .bind(&lo)
    .bind(&hi)
    .bind(cap + 1)
    .fetch_one(&db.pool)
    .await?;
    Ok((rows, total))
}

/// An agreement at its current version, with that version's text.
#[derive(Debug, Clone, FromRow)]
pub struct AgreementRow {
    pub id: String,
    pub title: String,
    pub body: String,
    pub version: i64,
    pub required: Flag,
    pub published_at: i64,
}

/// Every agreement at its current version, by title.
pub async fn agreements<'e, E: Executor<'e, Database = Any>>(
    ex: E,
) -> Result<Vec<AgreementRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.title, v.body, a.version, a.required, a.published_at FROM agreements a \
         JOIN agreement_versions v ON v.agreement_id = a.id AND v.version = a.version ORDER BY a.title, a.id",
    )
    .fetch_all(ex)
    .await?)
}

/// Create an agreement at version 1, published at `now` (its text goes in with
/// [`insert_agreement_version`]).
pub async fn insert_agreement(
    conn: &mut AnyConnection,
    id: &str,
    title: &str,
    required: bool,
    now: i64,
) -> Result<(), super::DbError> {
    sqlx::query("INSERT INTO agreements (id, title, version, required, created_at, published_at) VALUES ($1, $2, 1, $3, $4, $4)")
        .bind(id)
        .bind(title)
        .bind(required)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Move an agreement to its next version with this title and requirement, published at `now`;
/// returns the new version, or `None` when there is no such agreement.
pub async fn bump_agreement(
    conn: &mut AnyConnection,
    id: &str,
    title: &str,
    required: bool,
    now: i64,
) -> Result<Option<i64>, super::DbError> {
    Ok(sqlx::query_scalar(
        "UPDATE agreements SET version = version + 1, title = $2, required = $3, published_at = $4 WHERE id = $1 RETURNING version",
    )
    .bind(id)
    .bind(title)
    .bind(required)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Store the text of one version of an agreement.
pub async fn insert_agreement_version(
    conn: &mut AnyConnection,
    agreement_id: &str,
    version: i64,
    title: &str,
    body: &str,
    published_at: i64,
) -> Result<(), super::DbError> {
    sqlx::query("INSERT INTO agreement_versions (agreement_id, version, title, body, published_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(agreement_id)
        .bind(version)
        .bind(title)
        .bind(body)
        .bind(published_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many accounts signed each agreement's current version: (agreement id, count).
pub async fn current_signature_counts(db: &Db) -> Result<Vec<(String, i64)>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT a.id, COUNT(s.user_id) FROM agreements a LEFT JOIN agreement_signatures s \
         ON s.agreement_id = a.id AND s.version = a.version GROUP BY a.id",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// A signature with the title of the version signed and the agreement's current version.
#[derive(Debug, Clone, FromRow)]
pub struct SignatureRow {
    pub agreement_id: String,
    pub title: String,
    pub version: i64,
    pub signed_at: i64,
    pub current_version: i64,
}

/// A user's signatures, newest first.
pub async fn signatures_of<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<Vec<SignatureRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT s.agreement_id, v.title, s.version, s.signed_at, a.version AS current_version \
         FROM agreement_signatures s \
         JOIN agreement_versions v ON v.agreement_id = s.agreement_id AND v.version = s.version \
         JOIN agreements a ON a.id = s.agreement_id WHERE s.user_id = $1 ORDER BY s.signed_at DESC",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?)
}

/// Whether a required agreement's current version is unsigned by the user.
pub async fn has_unsigned_required(db: &Db, user_id: &str) -> Result<bool, super::DbError> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM agreements a WHERE a.required AND a.id NOT IN \
         (SELECT s.agreement_id FROM agreement_signatures s WHERE s.user_id = $1 AND s.version = a.version)",
    )
    .bind(user_id)
    .fetch_one(&db.pool)
    .await
    .map(|n| n > 0)?)
}

/// Record a signature (a second one of the same version changes nothing); returns whether it is new.
pub async fn sign(
    conn: &mut AnyConnection,
    user_id: &str,
    agreement_id: &str,
    version: i64,
    ip: &str,
) -> Result<bool, super::DbError> {
    let done = sqlx::query(
        "INSERT INTO agreement_signatures (user_id, agreement_id, version, signed_at, ip) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(agreement_id)
    .bind(version)
    .bind(now_ms())
    .bind(ip)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// An invitation by email.
#[derive(Debug, Clone, FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub role: Option<String>,
    pub org: Option<String>,
    pub course_key: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub username: Option<String>,
}

const INVITATION_COLUMNS: &str = "i.id, i.email, i.role, i.org, i.course_key, i.created_at, i.expires_at, \
                                  i.revoked_at, i.accepted_at, u.username";

/// Invitations, newest first.
pub async fn invitations(db: &Db, limit: i64) -> Result<Vec<InvitationRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {INVITATION_COLUMNS} FROM user_invitations i LEFT JOIN users u ON u.id = i.user_id \
         ORDER BY i.created_at DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// The open (not used, not revoked) invitation of an email, if any; expired ones included.
pub async fn open_invitation<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    email: &str,
) -> Result<Option<InvitationRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {INVITATION_COLUMNS} FROM user_invitations i LEFT JOIN users u ON u.id = i.user_id \
         WHERE i.email_key = $1 AND i.revoked_at IS NULL AND i.accepted_at IS NULL"
    )))
    .bind(email.trim().to_lowercase())
    .fetch_optional(ex)
    .await?)
}

/// One invitation by id.
pub async fn invitation(db: &Db, id: &str) -> Result<Option<InvitationRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {INVITATION_COLUMNS} FROM user_invitations i LEFT JOIN users u ON u.id = i.user_id WHERE i.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?)
}

/// What an invitation says.
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub role: Option<&'a str>,
    pub org: Option<&'a str>,
    pub course_key: Option<&'a str>,
    pub expires_at: Option<i64>,
}

/// Store an invitation; `false` when the email already has an open one (nothing written).
pub async fn insert_invitation(
    conn: &mut AnyConnection,
    i: &NewInvitation<'_>,
) -> Result<bool, super::DbError> {
    let done = sqlx::query(
        "INSERT INTO user_invitations (id, email, email_key, role, org, course_key, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(i.id)
    .bind(i.email.trim())
    .bind(i.email.trim().to_lowercase())
    .bind(i.role)
    .bind(i.org)
    .bind(i.course_key)
    .bind(now_ms())
    .bind(i.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Mark an open invitation used by `user_id`; `false` if it was not open any more.
pub async fn accept_invitation(
    conn: &mut AnyConnection,
    id: &str,
    user_id: &str,
) -> Result<bool, super::DbError> {
    let done = sqlx::query(
        "UPDATE user_invitations SET accepted_at = $2, user_id = $3 \
         WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(now_ms())
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Revoke an open invitation; `false` if it was not open.
pub async fn revoke_invitation(conn: &mut AnyConnection, id: &str) -> Result<bool, super::DbError> {
    let done = sqlx::query(
        "UPDATE user_invitations SET revoked_at = $2 WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// An audit entry as the console lists it.
#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_label: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub scope: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub reason: Option<String>,
}

/// An audit search, resolved: every field optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// The acting account's id, or a label (`system:seed`) for system principals.
    pub actor_id: Option<String>,
    pub actor_label: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub action: Option<String>,
    pub scope: Option<String>,
    pub from: Option<i64>,
    pub until: Option<i64>,
    pub before_id: Option<i64>,
}

/// The newest `limit` entries a filter finds, in the order they were written, newest first (`id`:
/// the clocks of several app servers need not agree, so `at` does not page reliably).
pub async fn audit(db: &Db, f: &AuditFilter, limit: i64) -> Result<Vec<AuditRow>, super::DbError> {
    let mut conditions = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let mut bind_text = |column: &str, value: &Option<String>, conditions: &mut Vec<String>| {
        if let Some(v) = value {
            binds.push(v.clone());
            conditions.push(format!("{column} = ${}", binds.len()));
        }
    };
    bind_text("actor_id", &f.actor_id, &mut conditions);
    bind_text("actor_label", &f.actor_label, &mut conditions);
    bind_text("target_type", &f.target_type, &mut conditions);
    bind_text("target_id", &f.target_id, &mut conditions);
    bind_text("action", &f.action, &mut conditions);
    bind_text("scope", &f.scope, &mut conditions);
    let n = binds.len();
    let mut numbers: Vec<i64> = Vec::new();
    for (column, op, value) in [("at", ">=", f.from), ("at", "<", f.until), ("id", "<", f.before_id)] {
        if let Some(v) = value {
            numbers.push(v);
            conditions.push(format!("{column} {op} ${}", n + numbers.len()));
        }
    }
    let filter = if conditions.is_empty() { "1 = 1".to_owned() } else { conditions.join(" AND ") };
    let limit_at = n + numbers.len() + 1;
    let sql = format!(
        "SELECT id, at, actor_label, action, target_type, target_id, scope, before_json, after_json, reason \
         FROM audit_log WHERE {filter} ORDER BY id DESC LIMIT ${limit_at}"
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    for v in numbers {
        q = q.bind(v);
    }
    Ok(q.bind(limit).fetch_all(&db.pool).await?)
}

/// A job as the jobs page lists it.
#[derive(Debug, Clone, FromRow)]
pub struct JobListRow {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub progress_done: i64,
    pub progress_total: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    pub error: Option<String>,
    pub username: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The newest jobs, optionally in one state.
pub async fn jobs(db: &Db, state: &str, limit: i64) -> Result<Vec<JobListRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT j.id, j.kind, j.state, j.progress_done, j.progress_total, j.attempts, j.max_attempts, j.error, \
         u.username, j.created_at, j.updated_at FROM jobs j LEFT JOIN users u ON u.id = j.created_by \
         WHERE ($1 = '' OR j.state = $1) ORDER BY j.created_at DESC LIMIT $2",
    )
    .bind(state)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// Queue a failed job again with a fresh set of attempts; `false` if it had not failed.
pub async fn requeue_failed_job(conn: &mut AnyConnection, id: &str) -> Result<bool, super::DbError> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', attempts = 0, error = NULL, lease_until = NULL, leased_by = NULL, \
         updated_at = $2 WHERE id = $1 AND state = 'failed'",
    )
    .bind(id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Make a failed or pending message due now; `false` if it was sent already (or is unknown).
pub async fn retry_mail(conn: &mut AnyConnection, id: &str) -> Result<bool, super::DbError> {
    let done = sqlx::query(
        "UPDATE mail_outbox SET state = 'pending', next_try_at = $2, attempts = 0 WHERE id = $1 AND state <> 'sent'",
    )
    .bind(id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}
