//! Scoped role assignments (global / org / course), read as grants for permission decisions.

use super::{new_id, now_ms, Db};
use registrar::ids::{CourseKey, OrgKey};
use registrar::roles::{Grant, Role, Scope};
use sqlx::{Any, Executor};

/// Every grant a user holds, as domain values. Rows that no longer parse are skipped and logged.
pub async fn grants_for_user(db: &Db, user_id: &str) -> Result<Vec<Grant>, sqlx::Error> {
    let rows: Vec<(String, Option<String>, Option<String>, String)> =
        sqlx::query_as("SELECT scope, org, course_key, role FROM role_assignments WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&db.pool)
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
