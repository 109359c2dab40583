//! Batch enrollment persistence: load the facts for a whole list in a few queries, write a batch's
//! plans in multi-row statements, and turn invitations into enrollments when their email registers.

use super::{list_placeholders, now_ms, values_placeholders, Db, Dialect, Flag, ROWS_PER_STATEMENT};
use app::model::RosterStatus;
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};
use std::collections::HashSet;

/// An account matched by username or email.
#[derive(Debug, Clone, FromRow)]
pub struct Account {
    pub id: String,
    pub username_key: String,
    pub email: String,
    pub email_key: String,
    pub is_active: Flag,
}

/// Accounts named by these keys: usernames, or addresses their owners have proven (an address
/// nobody has proven is treated as unknown, so it is invited and redeemed on proof).
pub async fn accounts_matching(db: &Db, keys: &[String]) -> Result<Vec<Account>, super::DbError> {
    let mut out = Vec::new();
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let list = list_placeholders(1, chunk.len());
        let sql = format!(
            "SELECT id, username_key, email, email_key, is_active FROM users \
             WHERE username_key IN ({list}) OR (email_key IN ({list}) AND email_verified_at IS NOT NULL)"
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
) -> Result<HashSet<String>, super::DbError> {
    let mut out = HashSet::new();
    for chunk in user_ids.chunks(ROWS_PER_STATEMENT) {
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
) -> Result<Vec<Invitation>, super::DbError> {
    let mut out = Vec::new();
    for chunk in email_keys.chunks(ROWS_PER_STATEMENT) {
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

/// Whether some course still invites `email_key` (an invitation no account has used yet).
pub async fn has_open_invitation(db: &Db, email_key: &str) -> Result<bool, super::DbError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrollment_invitations WHERE email_key = $1 AND user_id IS NULL",
    )
    .bind(email_key)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
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
) -> Result<(), super::DbError> {
    let now = now_ms();
    for chunk in writes.enroll.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO enrollments (user_id, course_key, mode, is_active, created_at) VALUES {} \
             ON CONFLICT (user_id, course_key) DO UPDATE SET is_active = excluded.is_active",
            values_placeholders(Dialect::of_connection(conn), chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id).bind(course).bind("audit").bind(true).bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in writes.unenroll.chunks(ROWS_PER_STATEMENT) {
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
    for chunk in writes.invite.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO enrollment_invitations (email_key, email, course_key, auto_enroll, created_by, created_at) \
             VALUES {} ON CONFLICT (email_key, course_key) DO UPDATE SET auto_enroll = excluded.auto_enroll",
            values_placeholders(Dialect::of_connection(conn), chunk.len(), 6)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (key, email, auto) in chunk {
            q = q.bind(key).bind(email).bind(course).bind(*auto).bind(actor.id).bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in writes.cancel.chunks(ROWS_PER_STATEMENT) {
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
    for chunk in writes.audit.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO enrollment_audit (at, course_key, email, user_id, actor_id, actor_label, transition, reason) \
             VALUES {}",
            values_placeholders(Dialect::of_connection(conn), chunk.len(), 8)
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
) -> Result<Vec<String>, super::DbError> {
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

/// A filter over a course's enrollment list.
#[derive(Debug, Clone)]
pub struct ListFilter<'a> {
    /// Matches the start of a username, email or full name (case-insensitive); empty = everyone.
    pub search: &'a str,
    /// Only this enrollment mode (invitations have none); empty = any.
    pub mode: &'a str,
    pub status: RosterStatus,
}

/// One row of a course's enrollment list: an enrollment, or an invitation not yet used.
#[derive(Debug, Clone, FromRow)]
pub struct ListRow {
    pub username: Option<String>,
    pub full_name: Option<String>,
    pub email: String,
    pub mode: Option<String>,
    /// `active`, `inactive` or `invited`.
    pub status: String,
    pub auto_enroll: i64,
    pub since: i64,
    /// How many rows the filter matches (pages of a search only).
    #[sqlx(default)]
    pub total: i64,
}

/// The filtered list as SQL: one `SELECT` per kind of row (enrollments, unused invitations) producing
/// the list's columns and a `sort_key`, a query counting the rows, and the values both bind, in order.
struct ListQuery {
    arms: Vec<String>,
    count: String,
    binds: Vec<String>,
}

fn list_query(db: &Db, course: &str, filter: &ListFilter<'_>) -> ListQuery {
    let mut binds = vec![course.to_owned()];
    let param = |value: String, binds: &mut Vec<String>| {
        binds.push(value);
        binds.len()
    };
    let search = filter.search.trim();
    let (lo, hi) = super::prefix_bounds(search);
    let (lo, hi) = if search.is_empty() { (0, 0) } else { (param(lo, &mut binds), param(hi, &mut binds)) };
    let (mut arms, mut counts) = (Vec::new(), Vec::new());
    if filter.status != RosterStatus::Invited {
        let mut cond = String::from("e.course_key = $1");
        if !search.is_empty() {
            let d = db.dialect;
            cond.push_str(&format!(
                " AND e.user_id IN (SELECT id FROM users WHERE {} UNION SELECT id FROM users WHERE {} \
                 UNION SELECT id FROM users WHERE {})",
                d.starts_with("username_key", lo, hi),
                d.starts_with("email_key", lo, hi),
                d.starts_with("lower(full_name)", lo, hi)
            ));
        }
        match filter.status {
            RosterStatus::Active => cond.push_str(" AND e.is_active = TRUE"),
            RosterStatus::Inactive => cond.push_str(" AND e.is_active = FALSE"),
            RosterStatus::All | RosterStatus::Invited => {}
        }
        if !filter.mode.trim().is_empty() {
            let n = param(filter.mode.trim().to_owned(), &mut binds);
            cond.push_str(&format!(" AND e.mode = ${n}"));
        }
        // Without a search, walk the accounts in username order and stop after a page (SQLite keeps
        // the CROSS JOIN's order); a search starts from the few accounts it matched.
        let from = if search.is_empty() {
            "users u CROSS JOIN enrollments e WHERE e.user_id = u.id AND"
        } else {
            "enrollments e JOIN users u ON u.id = e.user_id WHERE"
        };
        arms.push(format!(
            "SELECT u.username AS username, u.full_name AS full_name, u.email AS email, e.mode AS mode, \
             CASE WHEN e.is_active = TRUE THEN 'active' ELSE 'inactive' END AS status, \
             CAST(0 AS BIGINT) AS auto_enroll, e.created_at AS since, u.username_key AS sort_key \
             FROM {from} {cond}"
        ));
        counts.push(format!("(SELECT COUNT(*) FROM enrollments e WHERE {cond})"));
    }
    if matches!(filter.status, RosterStatus::All | RosterStatus::Invited) && filter.mode.trim().is_empty() {
        let mut cond = String::from(
            "i.course_key = $1 AND NOT EXISTS (SELECT 1 FROM enrollments e2 \
             WHERE e2.course_key = i.course_key AND e2.user_id = i.user_id AND e2.is_active = TRUE)",
        );
        if !search.is_empty() {
            cond.push_str(&format!(" AND {}", db.dialect.starts_with("i.email_key", lo, hi)));
        }
        arms.push(format!(
            "SELECT CAST(NULL AS TEXT) AS username, CAST(NULL AS TEXT) AS full_name, i.email AS email, \
             CAST(NULL AS TEXT) AS mode, 'invited' AS status, \
             CAST(CASE WHEN i.auto_enroll = TRUE THEN 1 ELSE 0 END AS BIGINT) AS auto_enroll, \
             i.created_at AS since, i.email_key AS sort_key FROM enrollment_invitations i WHERE {cond}"
        ));
        counts.push(format!("(SELECT COUNT(*) FROM enrollment_invitations i WHERE {cond})"));
    }
    ListQuery { arms, count: format!("SELECT {}", counts.join(" + ")), binds }
}

/// One page of a course's enrollment list, ordered by username (invitations by email), with the
/// number of rows the filter matches. A search matches few rows: they are counted in the same pass
/// (`COUNT(*) OVER ()`); a whole course is counted from the enrollments index instead.
pub async fn list(
    db: &Db,
    course: &str,
    filter: &ListFilter<'_>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ListRow>, i64), super::DbError> {
    let query = list_query(db, course, filter);
    if query.arms.is_empty() {
        // A mode filter with only invitations asked for: nothing can match.
        return Ok((Vec::new(), 0));
    }
    let searching = !filter.search.trim().is_empty();
    let rows = list_rows(db, &query, Some((limit, offset)), searching).await?;
    let total = match rows.first() {
        Some(first) if searching => first.total,
        None if searching && offset == 0 => 0,
        _ => {
            let mut count = sqlx::query_scalar::<_, i64>(AssertSqlSafe(query.count.clone()));
            for b in &query.binds {
                count = count.bind(b);
            }
            count.fetch_one(&db.pool).await?
        }
    };
    Ok((rows, total))
}

/// Every row the filter matches, in list order (for the CSV export).
pub async fn list_all(
    db: &Db,
    course: &str,
    filter: &ListFilter<'_>,
) -> Result<Vec<ListRow>, super::DbError> {
    let query = list_query(db, course, filter);
    if query.arms.is_empty() {
        return Ok(Vec::new());
    }
    list_rows(db, &query, None, false).await
}

async fn list_rows(
    db: &Db,
    query: &ListQuery,
    page: Option<(i64, i64)>,
    with_total: bool,
) -> Result<Vec<ListRow>, super::DbError> {
    // Each kind of row is ordered and cut to the end of the page on its own, so a whole-course page
    // reads a page's worth of rows rather than sorting the course.
    let arms: Vec<String> = match page {
        Some((limit, offset)) if !with_total => query
            .arms
            .iter()
            .enumerate()
            .map(|(i, arm)| format!("SELECT * FROM ({arm} ORDER BY sort_key LIMIT {}) a{i}", limit + offset))
            .collect(),
        _ => query.arms.clone(),
    };
    let total = if with_total { ", COUNT(*) OVER () AS total" } else { "" };
    let mut sql = format!(
        "SELECT username, full_name, email, mode, status, auto_enroll, since{total} FROM ({}) t ORDER BY sort_key",
        arms.join(" UNION ALL ")
    );
    if let Some((limit, offset)) = page {
        sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    }
    let mut q = sqlx::query_as::<_, ListRow>(AssertSqlSafe(sql));
    for b in &query.binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(&db.pool).await?)
}
