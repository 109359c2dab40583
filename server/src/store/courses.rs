//! Organizations, courses and enrollments.

use super::{like_contains, now_ms, Db};
use sqlx::{Any, AssertSqlSafe, Executor, FromRow};

/// A course with its active-enrollment count.
#[derive(Debug, Clone, FromRow)]
pub struct CourseRow {
    pub key: String,
    pub org: String,
    pub display_name: String,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub enrollment_start: Option<i64>,
    pub enrollment_end: Option<i64>,
    pub active_enrollments: i64,
}

const COURSE_COLUMNS: &str = "c.key, c.org, c.display_name, c.start_at, c.end_at, c.enrollment_start, \
    c.enrollment_end, (SELECT COUNT(*) FROM enrollments e WHERE e.course_key = c.key AND e.is_active = $1) \
    AS active_enrollments";

/// Create or rename an organization.
pub async fn upsert_org<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    key: &str,
    name: &str,
) -> Result<(), super::DbError> {
    sqlx::query(
        "INSERT INTO orgs (key, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET name = $2",
    )
    .bind(key)
    .bind(name)
    .bind(now_ms())
    .execute(ex)
    .await?;
    Ok(())
}

/// A course to create or update.
#[derive(Debug, Clone)]
pub struct CourseSpec<'a> {
    pub key: &'a str,
    pub org: &'a str,
    pub display_name: &'a str,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub enrollment_start: Option<i64>,
    pub enrollment_end: Option<i64>,
}

/// Create or update a course.
pub async fn upsert_course<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    c: &CourseSpec<'_>,
) -> Result<(), super::DbError> {
    sqlx::query(
        "INSERT INTO courses (key, org, display_name, start_at, end_at, enrollment_start, enrollment_end, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (key) DO UPDATE SET display_name = $3, \
         start_at = $4, end_at = $5, enrollment_start = $6, enrollment_end = $7",
    )
    .bind(c.key)
    .bind(c.org)
    .bind(c.display_name)
    .bind(c.start_at)
    .bind(c.end_at)
    .bind(c.enrollment_start)
    .bind(c.enrollment_end)
    .bind(now_ms())
    .execute(ex)
    .await?;
    Ok(())
}

/// One course.
/// Whether the course exists (without counting its enrollments, unlike [`get`]).
pub async fn exists(db: &Db, key: &str) -> Result<bool, super::DbError> {
    let found: Option<String> = sqlx::query_scalar("SELECT key FROM courses WHERE key = $1")
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
    Ok(found.is_some())
}

pub async fn get(db: &Db, key: &str) -> Result<Option<CourseRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {COURSE_COLUMNS} FROM courses c WHERE c.key = $2")))
        .bind(true)
        .bind(key)
        .fetch_optional(&db.pool)
        .await?)
}

/// Courses whose key or name contains `term`, ordered by name, one page; and the total.
pub async fn search(
    db: &Db,
    term: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<CourseRow>, i64), super::DbError> {
    let pattern = like_contains(term);
    let filter = "(LOWER(c.key) LIKE $2 ESCAPE '\\' OR LOWER(c.display_name) LIKE $2 ESCAPE '\\')";
    let rows = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses c WHERE {filter} ORDER BY c.display_name, c.key LIMIT $3 OFFSET $4"
    )))
    .bind(true)
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    let total = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM courses c WHERE {}",
        filter.replace("$2", "$1")
    )))
    .bind(&pattern)
    .fetch_one(&db.pool)
    .await?;
    Ok((rows, total))
}

/// Active enrollments of a user: (course key, display name).
pub async fn enrollments_of(db: &Db, user_id: &str) -> Result<Vec<(String, String)>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT c.key, c.display_name FROM enrollments e JOIN courses c ON c.key = e.course_key \
         WHERE e.user_id = $1 AND e.is_active = $2 ORDER BY c.display_name",
    )
    .bind(user_id)
    .bind(true)
    .fetch_all(&db.pool)
    .await?)
}

/// Enroll a user (or reactivate an inactive enrollment); returns whether anything changed.
pub async fn enroll<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user_id: &str,
    course_key: &str,
    mode: &str,
) -> Result<bool, super::DbError> {
    let done = sqlx::query(
        "INSERT INTO enrollments (user_id, course_key, mode, is_active, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, course_key) DO UPDATE SET is_active = $4 WHERE enrollments.is_active <> $4",
    )
    .bind(user_id)
    .bind(course_key)
    .bind(mode)
    .bind(true)
    .bind(now_ms())
    .execute(ex)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Courses whose instructor dashboard a user may open through a course or org role: (key, name).
pub async fn dashboards_of(db: &Db, user_id: &str) -> Result<Vec<(String, String)>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT c.key, c.display_name FROM courses c JOIN role_assignments r ON r.user_id = $1 \
         AND r.role IN ('instructor', 'staff', 'limited_staff', 'data_researcher') \
         AND ((r.scope = 'course' AND r.course_key = c.key) OR (r.scope = 'org' AND r.org = c.org)) \
         ORDER BY c.display_name, c.key LIMIT 100",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?)
}
