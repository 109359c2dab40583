//! Ended grants: access stops the moment a grant ends (every check compares with now); this sweep then
//! records each ended grant in the audit log and deletes it, in one transaction.

use super::{audit, list_placeholders, now_ms, Db};
use registrar::AuditAction;
use sqlx::{AssertSqlSafe, FromRow};

#[derive(FromRow)]
struct Ended {
    id: String,
    holder: String,
    what: String,
    scope: String,
    expires_at: i64,
}

/// Record and delete every course, org and library grant that has ended; returns how many.
pub async fn sweep(db: &Db) -> Result<usize, super::DbError> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    let roles: Vec<Ended> = sqlx::query_as(
        "SELECT r.id, COALESCE(u.username, r.user_id) AS holder, r.role AS what, \
         COALESCE(r.course_key, r.org, 'global') AS scope, r.expires_at FROM role_assignments r \
         LEFT JOIN users u ON u.id = r.user_id WHERE r.expires_at IS NOT NULL AND r.expires_at <= $1 LIMIT 1000",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    let libraries: Vec<Ended> = sqlx::query_as(
        "SELECT g.id, COALESCE(u.username, 'group:' || ug.name) AS holder, g.access_level AS what, \
         COALESCE(g.library_key, 'org:' || g.org) AS scope, g.expires_at FROM library_grants g \
         LEFT JOIN users u ON u.id = g.user_id LEFT JOIN user_groups ug ON ug.id = g.group_id \
         WHERE g.expires_at IS NOT NULL AND g.expires_at <= $1 LIMIT 1000",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    // Delete first, only what has still ended (a grant renewed meanwhile stays), and audit exactly
    // what was deleted: a second sweep running at the same moment finds nothing to record.
    let mut deleted = std::collections::HashSet::new();
    for (table, rows) in [("role_assignments", &roles), ("library_grants", &libraries)] {
        for chunk in rows.chunks(super::ROWS_PER_STATEMENT) {
            let sql = format!(
                "DELETE FROM {table} WHERE expires_at <= $1 AND id IN ({}) RETURNING id",
                list_placeholders(2, chunk.len())
            );
            let mut q = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).bind(now);
            for e in chunk {
                q = q.bind(&e.id);
            }
            deleted.extend(q.fetch_all(&mut *tx).await?);
        }
    }
    let entries: Vec<audit::Entry<'_>> = roles
        .iter()
        .map(|e| (e, AuditAction::RoleExpired, "role"))
        .chain(libraries.iter().map(|e| (e, AuditAction::LibraryGrantExpired, "access_level")))
        .filter(|(e, _, _)| deleted.contains(&e.id))
        .map(|(e, action, field)| audit::Entry {
            actor_label: "system:expiry",
            target_type: "grant",
            target_id: &e.id,
            scope: Some(&e.scope),
            before: Some(
                serde_json::json!({ field: e.what, "holder": e.holder, "expires_at": e.expires_at }),
            ),
            reason: Some("The grant reached its end date."),
            ..audit::Entry::new(action)
        })
        .collect();
    audit::append_many(&mut tx, &entries).await?;
    let entries_len = entries.len();
    tx.commit().await?;
    Ok(entries_len)
}
