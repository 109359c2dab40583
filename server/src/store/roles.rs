//! Scoped role assignments (global / org / course), read as grants for permission decisions.

use super::{list_placeholders, new_id, now_ms, values_placeholders, Db, Dialect};
use registrar::ids::{CourseKey, OrgKey};
use registrar::roles::{Grant, Role, Scope};
use sqlx::AssertSqlSafe;
use sqlx::{Any, AnyConnection, Executor, FromRow};
use std::collections::HashSet;

/// Every grant a user holds, as domain values. Rows that no longer parse are skipped and logged.
pub async fn grants_for_user<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<Vec<Grant>, sqlx::Error> {
    let rows: Vec<(String, Option<String>, Option<String>, String)> =
        sqlx::query_as("SELECT scope, org, course_key, role FROM role_assignments WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(ex)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(scope, org, course, role)| {
            let grant = to_grant(&scope, org.as_deref(), course.as_deref(), &role);
            if grant.is_none() {
                tracing::warn!(user_id, scope, role, "skipping a role assignment that does not parse");
            }
            grant
        })
        .collect())
}

fn to_grant(scope: &str, org: Option<&str>, course: Option<&str>, role: &str) -> Option<Grant> {
    let role = Role::parse(role).ok()?;
    let scope = match (scope, org, course) {
        ("global", None, None) => Scope::Global,
        ("org", Some(org), None) => Scope::Org(OrgKey::parse(org).ok()?),
        ("course", Some(_), Some(course)) => Scope::Course(CourseKey::parse(course).ok()?),
        _ => return None,
    };
    Some(Grant { role, scope })
}

/// The columns a scope is stored in: (scope, org, course_key).
#[must_use]
pub fn scope_columns(scope: &Scope) -> (&'static str, Option<String>, Option<String>) {
    match scope {
        Scope::Global => ("global", None, None),
        Scope::Org(org) => ("org", Some(org.to_string()), None),
        Scope::Course(course) => ("course", Some(course.org().to_string()), Some(course.to_string())),
    }
}

/// Grant a role unless the user already holds it; returns whether a row was added.
pub async fn grant<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
    grant: &Grant,
    granted_by: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let (scope, org, course) = scope_columns(&grant.scope);
    let done = sqlx::query(
        "INSERT INTO role_assignments (id, user_id, scope, org, course_key, role, granted_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(new_id())
    .bind(user_id)
    .bind(scope)
    .bind(org)
    .bind(course)
    .bind(grant.role.as_str())
    .bind(granted_by)
    .bind(now_ms())
    .execute(ex)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A member of a course team with when and by whom the role was granted.
#[derive(Debug, Clone, FromRow)]
pub struct TeamRow {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub role: String,
    pub created_at: i64,
    pub granted_by: Option<String>,
}

/// Everyone holding one of `which` course-level roles in `course`, by role then username.
pub async fn course_team(db: &Db, course: &str, which: &[Role]) -> Result<Vec<TeamRow>, sqlx::Error> {
    let sql = format!(
        "SELECT u.username, u.full_name, u.email, r.role, r.created_at, g.username AS granted_by \
         FROM role_assignments r JOIN users u ON u.id = r.user_id LEFT JOIN users g ON g.id = r.granted_by \
         WHERE r.scope = 'course' AND r.course_key = $1 AND r.role IN ({}) ORDER BY r.role, u.username_key",
        list_placeholders(2, which.len())
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(course);
    for role in which {
        q = q.bind(role.as_str());
    }
    q.fetch_all(&db.pool).await
}

/// Serialize changes to one course's team until the transaction ends. PostgreSQL locks the course
/// row; SQLite needs nothing, as its first write takes the database's single write lock.
pub async fn lock_course_team(
    conn: &mut AnyConnection,
    dialect: Dialect,
    course: &str,
) -> Result<(), sqlx::Error> {
    if dialect == Dialect::Postgres {
        sqlx::query("SELECT key FROM courses WHERE key = $1 FOR UPDATE")
            .bind(course)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Remove a course role; returns whether the user held it.
pub async fn revoke_course_role(
    conn: &mut AnyConnection,
    user_id: &str,
    course: &str,
    role: Role,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM role_assignments WHERE user_id = $1 AND scope = 'course' AND course_key = $2 AND role = $3",
    )
    .bind(user_id)
    .bind(course)
    .bind(role.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// How many active accounts hold `role` in `course` (an inactive Admin manages nothing).
pub async fn count_course_role(
    conn: &mut AnyConnection,
    course: &str,
    role: Role,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM role_assignments r JOIN users u ON u.id = r.user_id \
         WHERE r.scope = 'course' AND r.course_key = $1 AND r.role = $2 AND u.is_active = $3",
    )
    .bind(course)
    .bind(role.as_str())
    .bind(true)
    .fetch_one(&mut *conn)
    .await
}

/// Which of `user_ids` hold `role` in `course`.
pub async fn holders(
    db: &Db,
    course: &str,
    role: Role,
    user_ids: &[String],
) -> Result<HashSet<String>, sqlx::Error> {
    let mut out = HashSet::new();
    for chunk in user_ids.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT user_id FROM role_assignments WHERE scope = 'course' AND course_key = $1 AND role = $2 \
             AND user_id IN ({})",
            list_placeholders(3, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).bind(course).bind(role.as_str());
        for id in chunk {
            q = q.bind(id);
        }
        out.extend(q.fetch_all(&db.pool).await?);
    }
    Ok(out)
}

/// Give `role` in `course` to every one of `user_ids` (those who hold it already are left alone).
pub async fn grant_course_role_many(
    conn: &mut AnyConnection,
    course: &str,
    org: &str,
    role: Role,
    user_ids: &[String],
    granted_by: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for chunk in user_ids.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO role_assignments (id, user_id, scope, org, course_key, role, granted_by, created_at) \
             VALUES {} ON CONFLICT DO NOTHING",
            values_placeholders(Dialect::of_connection(conn), chunk.len(), 8)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q
                .bind(new_id())
                .bind(id)
                .bind("course")
                .bind(org)
                .bind(course)
                .bind(role.as_str())
                .bind(granted_by)
                .bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Take `role` in `course` away from every one of `user_ids`.
pub async fn revoke_course_role_many(
    conn: &mut AnyConnection,
    course: &str,
    role: Role,
    user_ids: &[String],
) -> Result<(), sqlx::Error> {
    for chunk in user_ids.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "DELETE FROM role_assignments WHERE scope = 'course' AND course_key = $1 AND role = $2 AND user_id IN ({})",
            list_placeholders(3, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(course).bind(role.as_str());
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
