//! Named groups of users. Grants to a group apply to its current members when access is checked.

use super::{new_id, now_ms, Db};
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};

/// A group with its member count.
#[derive(Debug, Clone, FromRow)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: i64,
    pub members: i64,
}

const SELECT: &str = "SELECT g.id, g.name, g.description, g.created_at, \
                      (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id) AS members FROM user_groups g";

/// Every group by name.
pub async fn list(db: &Db) -> Result<Vec<GroupRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("{SELECT} ORDER BY g.name_key"))).fetch_all(&db.pool).await?)
}

/// One group by id.
pub async fn get(db: &Db, id: &str) -> Result<Option<GroupRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("{SELECT} WHERE g.id = $1")))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?)
}

/// One group by name (case-insensitive).
pub async fn find_by_name(db: &Db, name: &str) -> Result<Option<GroupRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("{SELECT} WHERE g.name_key = $1")))
        .bind(name.trim().to_lowercase())
        .fetch_optional(&db.pool)
        .await?)
}

/// A group's id by name, inside the caller's transaction.
pub async fn find_by_name_in(conn: &mut AnyConnection, name: &str) -> Result<Option<String>, super::DbError> {
    Ok(sqlx::query_scalar("SELECT id FROM user_groups WHERE name_key = $1")
        .bind(name.trim().to_lowercase())
        .fetch_optional(&mut *conn)
        .await?)
}

/// Create a group; `None` when the name is taken.
pub async fn create(
    conn: &mut AnyConnection,
    name: &str,
    description: &str,
    created_by: &str,
) -> Result<Option<String>, super::DbError> {
    let id = new_id();
    let done = sqlx::query(
        "INSERT INTO user_groups (id, name, name_key, description, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(name)
    .bind(name.to_lowercase())
    .bind(description)
    .bind(created_by)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok((done.rows_affected() > 0).then_some(id))
}

/// Rename and describe a group; false when the new name belongs to another group. One statement, so
/// it takes the write lock at once.
pub async fn rename(
    conn: &mut AnyConnection,
    id: &str,
    name: &str,
    description: &str,
) -> Result<bool, super::DbError> {
    let done = sqlx::query(
        "UPDATE user_groups SET name = $2, name_key = $3, description = $4 WHERE id = $1 \
         AND NOT EXISTS (SELECT 1 FROM user_groups o WHERE o.name_key = $3 AND o.id <> $1)",
    )
    .bind(id)
    .bind(name)
    .bind(name.to_lowercase())
    .bind(description)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Delete a group with its memberships and grants.
pub async fn delete(conn: &mut AnyConnection, id: &str) -> Result<(), super::DbError> {
    for sql in [
        "DELETE FROM library_grants WHERE group_id = $1",
        "DELETE FROM group_permissions WHERE group_id = $1",
        "DELETE FROM group_members WHERE group_id = $1",
        "DELETE FROM user_groups WHERE id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// A member of a group.
#[derive(Debug, Clone, FromRow)]
pub struct MemberRow {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub created_at: i64,
    pub added_by: Option<String>,
}

/// A group's members by username.
pub async fn members(db: &Db, id: &str) -> Result<Vec<MemberRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT u.username, u.full_name, u.email, m.created_at, a.username AS added_by FROM group_members m \
         JOIN users u ON u.id = m.user_id LEFT JOIN users a ON a.id = m.added_by \
         WHERE m.group_id = $1 ORDER BY u.username_key",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

/// Add a member; false when already one.
pub async fn add_member(
    conn: &mut AnyConnection,
    group: &str,
    user_id: &str,
    added_by: &str,
) -> Result<bool, super::DbError> {
    let done = sqlx::query(
        "INSERT INTO group_members (group_id, user_id, added_by, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(group)
    .bind(user_id)
    .bind(added_by)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Add many members at once (the bench and demo data); those already in are left alone.
pub async fn add_members(
    conn: &mut AnyConnection,
    group: &str,
    user_ids: &[String],
) -> Result<(), super::DbError> {
    let now = now_ms();
    for chunk in user_ids.chunks(super::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO group_members (group_id, user_id, created_at) VALUES {} ON CONFLICT DO NOTHING",
            super::values_placeholders(super::Dialect::of_connection(conn), chunk.len(), 3)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(group).bind(id).bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Remove a member; false when not one.
pub async fn remove_member(
    conn: &mut AnyConnection,
    group: &str,
    user_id: &str,
) -> Result<bool, super::DbError> {
    let done = sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
