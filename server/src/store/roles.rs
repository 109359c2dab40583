//! Scoped role assignments (global / org / course), read as grants for permission decisions.

use super::{list_placeholders, new_id, now_ms, values_placeholders, Db, Dialect};
use registrar::authz::DatedGrant;
use registrar::ids::{CourseKey, OrgKey};
use registrar::roles::{Grant, Role, Scope};
use sqlx::AssertSqlSafe;
use sqlx::{Any, AnyConnection, Executor, FromRow};
use std::collections::HashSet;

/// Every grant a user holds that still grants now (ended ones are left out: access stops the moment a
/// grant ends, before the expiry job records it).
pub async fn grants_for_user<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<Vec<Grant>, super::DbError> {
    let now = now_ms();
    Ok(dated_grants_for_user(ex, user_id)
        .await?
        .into_iter()
        .filter(|d| registrar::roles::is_live(d.expires_at, now))
        .map(|d| d.grant)
        .collect())
}

/// A role assignment row: (scope, org, course key, role, end).
type GrantRow = (String, Option<String>, Option<String>, String, Option<i64>);

/// Every grant row a user has, with its end date (ended ones included, for "explain access"). Rows that
/// no longer parse are skipped and logged.
pub async fn dated_grants_for_user<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
) -> Result<Vec<DatedGrant>, super::DbError> {
    let rows: Vec<GrantRow> = sqlx::query_as(
        "SELECT scope, org, course_key, role, expires_at FROM role_assignments WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(scope, org, course, role, expires_at)| {
            let grant = to_grant(&scope, org.as_deref(), course.as_deref(), &role);
            if grant.is_none() {
                tracing::warn!(user_id, scope, role, "skipping a role assignment that does not parse");
            }
            grant.map(|grant| DatedGrant { grant, expires_at })
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
pub async fn grant(
    conn: &mut AnyConnection,
    user_id: &str,
    grant: &Grant,
    granted_by: Option<&str>,
) -> Result<bool, super::DbError> {
    grant_until(conn, user_id, grant, granted_by, None).await
}

/// Grant a role that ends at `expires_at` (never when `None`) unless the user already holds it.
pub async fn grant_until(
    conn: &mut AnyConnection,
    user_id: &str,
    grant: &Grant,
    granted_by: Option<&str>,
    expires_at: Option<i64>,
) -> Result<bool, super::DbError> {
    let (scope, org, course) = scope_columns(&grant.scope);
    // A grant that has ended but is not swept yet does not stand in the way of a new one.
    sqlx::query(
        "DELETE FROM role_assignments WHERE user_id = $1 AND scope = $2 AND role = $3 \
         AND COALESCE(org, '') = COALESCE($4, '') AND COALESCE(course_key, '') = COALESCE($5, '') AND expires_at <= $6",
    )
    .bind(user_id)
    .bind(scope)
    .bind(grant.role.as_str())
    .bind(org.as_deref())
    .bind(course.as_deref())
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query(
        "INSERT INTO role_assignments (id, user_id, scope, org, course_key, role, granted_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
    )
    .bind(new_id())
    .bind(user_id)
    .bind(scope)
    .bind(org)
    .bind(course)
    .bind(grant.role.as_str())
    .bind(granted_by)
    .bind(now_ms())
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Remove an org- or global-scope role; returns whether the user held it.
pub async fn revoke(conn: &mut AnyConnection, user_id: &str, grant: &Grant) -> Result<bool, super::DbError> {
    let (scope, org, _) = scope_columns(&grant.scope);
    let done = sqlx::query(
        "DELETE FROM role_assignments WHERE user_id = $1 AND scope = $2 AND role = $3 \
         AND COALESCE(org, '') = COALESCE($4, '') AND course_key IS NULL",
    )
    .bind(user_id)
    .bind(scope)
    .bind(grant.role.as_str())
    .bind(org)
    .execute(&mut *conn)
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
    pub expires_at: Option<i64>,
}

/// Everyone holding one of `which` course-level roles in `course`, by role then username.
pub async fn course_team(db: &Db, course: &str, which: &[Role]) -> Result<Vec<TeamRow>, super::DbError> {
    team_rows(db, "scope = 'course' AND course_key = $1", course, which).await
}

#[derive(FromRow)]
struct RoleRow {
    user_id: String,
    role: String,
    created_at: i64,
    granted_by: Option<String>,
    expires_at: Option<i64>,
}

#[derive(FromRow)]
struct Person {
    id: String,
    username: String,
    username_key: String,
    full_name: String,
    email: String,
}

/// The holders of `which` roles among the role rows `filter` selects (with `$1` = `key`), by role then
/// username. Role rows first, then their people by primary key: two index-driven queries however many
/// users there are (as one join, PostgreSQL's generic plan scanned the whole users table).
async fn team_rows(db: &Db, filter: &str, key: &str, which: &[Role]) -> Result<Vec<TeamRow>, super::DbError> {
    let sql = format!(
        "SELECT user_id, role, created_at, granted_by, expires_at FROM role_assignments WHERE {filter} \
         AND role IN ({})",
        list_placeholders(2, which.len())
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(key);
    for role in which {
        q = q.bind(role.as_str());
    }
    let now = now_ms();
    let grants: Vec<RoleRow> = q
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .filter(|g: &RoleRow| registrar::roles::is_live(g.expires_at, now))
        .collect();
    let mut ids: Vec<&str> = grants
        .iter()
        .flat_map(|g| std::iter::once(g.user_id.as_str()).chain(g.granted_by.as_deref()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut people = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT id, username, username_key, full_name, email FROM users WHERE id IN ({})",
            list_placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_as::<_, Person>(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        people.extend(q.fetch_all(&db.pool).await?.into_iter().map(|p| (p.id.clone(), p)));
    }
    let mut rows: Vec<(String, TeamRow)> = grants
        .into_iter()
        .filter_map(|g| {
            let person = people.get(&g.user_id)?;
            let granted_by = g.granted_by.as_ref().and_then(|id| people.get(id)).map(|p| p.username.clone());
            let row = TeamRow {
                username: person.username.clone(),
                full_name: person.full_name.clone(),
                email: person.email.clone(),
                role: g.role,
                created_at: g.created_at,
                granted_by,
                expires_at: g.expires_at,
            };
            Some((person.username_key.clone(), row))
        })
        .collect();
    rows.sort_by(|(a_key, a), (b_key, b)| (&a.role, a_key).cmp(&(&b.role, b_key)));
    Ok(rows.into_iter().map(|(_, row)| row).collect())
}

/// Remove a course role; returns whether the user held it.
pub async fn revoke_course_role(
    conn: &mut AnyConnection,
    user_id: &str,
    course: &str,
    role: Role,
) -> Result<bool, super::DbError> {
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

/// Everyone holding one of `which` roles across `org` (inherited by each of its courses), by role then
/// username.
pub async fn org_team(db: &Db, org: &str, which: &[Role]) -> Result<Vec<TeamRow>, super::DbError> {
    team_rows(db, "scope = 'org' AND org = $1", org, which).await
}

/// Every org-wide role row, optionally for one org, for the console.
pub async fn org_grants(db: &Db, org: Option<&str>) -> Result<Vec<(String, TeamRow)>, super::DbError> {
    let select = "SELECT r.org, u.username, u.full_name, u.email, r.role, r.created_at, g.username AS granted_by, \
         r.expires_at FROM role_assignments r JOIN users u ON u.id = r.user_id LEFT JOIN users g ON g.id = r.granted_by \
         WHERE r.scope = 'org'";
    let rows: Vec<OrgTeamRow> = match org {
        Some(org) => {
            sqlx::query_as(AssertSqlSafe(format!("{select} AND r.org = $1 ORDER BY r.role, u.username_key")))
                .bind(org)
                .fetch_all(&db.pool)
                .await?
        }
        None => {
            sqlx::query_as(AssertSqlSafe(format!(
                "{select} ORDER BY r.org, r.role, u.username_key LIMIT 1000"
            )))
            .fetch_all(&db.pool)
            .await?
        }
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let team = TeamRow {
                username: r.username,
                full_name: r.full_name,
                email: r.email,
                role: r.role,
                created_at: r.created_at,
                granted_by: r.granted_by,
                expires_at: r.expires_at,
            };
            (r.org, team)
        })
        .collect())
}

#[derive(FromRow)]
struct OrgTeamRow {
    org: String,
    username: String,
    full_name: String,
    email: String,
    role: String,
    created_at: i64,
    granted_by: Option<String>,
    expires_at: Option<i64>,
}

/// How many active accounts hold `role` in `course` with no end date: the Admins a team keeps.
pub async fn count_permanent_course_role(
    conn: &mut AnyConnection,
    course: &str,
    role: Role,
) -> Result<i64, super::DbError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM role_assignments r JOIN users u ON u.id = r.user_id \
         WHERE r.scope = 'course' AND r.course_key = $1 AND r.role = $2 AND u.is_active = $3 \
         AND r.expires_at IS NULL",
    )
    .bind(course)
    .bind(role.as_str())
    .bind(true)
    .fetch_one(&mut *conn)
    .await?)
}

/// Which of `user_ids` hold `role` in `course`.
pub async fn holders(
    db: &Db,
    course: &str,
    role: Role,
    user_ids: &[String],
) -> Result<HashSet<String>, super::DbError> {
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
) -> Result<(), super::DbError> {
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
) -> Result<(), super::DbError> {
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

/// A role assignment as the console's roles page lists it, with its holder.
#[derive(Debug, Clone, FromRow)]
pub struct AssignmentSearchRow {
    pub id: String,
    pub username: String,
    pub email: String,
    pub role: String,
    pub scope: String,
    pub org: Option<String>,
    pub course_key: Option<String>,
    pub expires_at: Option<i64>,
    pub created_at: i64,
}

/// The newest 500 role assignments whose holder's username or email, role, or scope (course, org or
/// `global`) contains the pattern `like` (from [`super::like_contains`]; `%%` matches all).
pub async fn search_assignments(db: &Db, like: &str) -> Result<Vec<AssignmentSearchRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT r.id, u.username, u.email, r.role, r.scope, r.org, r.course_key, r.expires_at, r.created_at \
         FROM role_assignments r JOIN users u ON u.id = r.user_id \
         WHERE ($1 = '%%' OR u.username_key LIKE $1 ESCAPE '\\' OR u.email_key LIKE $1 ESCAPE '\\' \
            OR LOWER(r.role) LIKE $1 ESCAPE '\\' OR LOWER(COALESCE(r.course_key, r.org, 'global')) LIKE $1 ESCAPE '\\') \
         ORDER BY r.created_at DESC LIMIT 500",
    )
    .bind(like)
    .fetch_all(&db.pool)
    .await?)
}

/// Remove a role at any scope (global, org or course); returns whether the user held it.
pub async fn revoke_at_scope(
    conn: &mut AnyConnection,
    user_id: &str,
    grant: &Grant,
) -> Result<bool, super::DbError> {
    let (kind, org, course) = scope_columns(&grant.scope);
    let done = sqlx::query(
        "DELETE FROM role_assignments WHERE user_id = $1 AND scope = $2 AND role = $3 \
         AND COALESCE(org, '') = COALESCE($4, '') AND COALESCE(course_key, '') = COALESCE($5, '')",
    )
    .bind(user_id)
    .bind(kind)
    .bind(grant.role.as_str())
    .bind(org)
    .bind(course)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// How many orgs have the key `org` (0 or 1): whether an org-scope grant names a known org.
pub async fn count_orgs(db: &Db, org: &str) -> Result<i64, super::DbError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM orgs WHERE key = $1").bind(org).fetch_one(&db.pool).await?)
}

/// How many courses have the key `course` (0 or 1): whether a course-scope grant names a known course.
pub async fn count_courses(db: &Db, course: &str) -> Result<i64, super::DbError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM courses WHERE key = $1")
        .bind(course)
        .fetch_one(&db.pool)
        .await?)
}
