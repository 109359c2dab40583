//! The audit log: append-only. This module offers no update and no delete.

use super::mentions::{self, Source};
use super::{now_ms, values_placeholders, Dialect};
use registrar::AuditAction;
use sqlx::{AnyConnection, AssertSqlSafe};

/// One audit entry.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor_id: Option<&'a str>,
    pub actor_label: &'a str,
    pub action: AuditAction,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub scope: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<&'a str>,
}

impl Entry<'_> {
    /// An entry of `action` with nothing else filled in (no actor, target or scope yet).
    #[must_use]
    pub fn new(action: AuditAction) -> Self {
        Entry {
            actor_id: None,
            actor_label: "",
            action,
            target_type: "",
            target_id: "",
            scope: None,
            before: None,
            after: None,
            reason: None,
        }
    }
}

impl<'a> Entry<'a> {
    /// An entry of `action` by an account about itself (its owner changed something of theirs).
    #[must_use]
    pub fn by_owner(user_id: &'a str, username: &'a str, action: AuditAction) -> Self {
        Entry {
            actor_id: Some(user_id),
            actor_label: username,
            target_type: "user",
            target_id: user_id,
            ..Entry::new(action)
        }
    }
}

/// Append an entry, inside the caller's transaction.
pub async fn append(conn: &mut AnyConnection, entry: &Entry<'_>) -> Result<(), super::DbError> {
    append_many(conn, std::slice::from_ref(entry)).await
}

/// Append many entries in multi-row statements, inside the caller's transaction. Entries that name
/// people under the personal-data keys are indexed in `person_mentions` with them.
pub async fn append_many(conn: &mut AnyConnection, entries: &[Entry<'_>]) -> Result<(), super::DbError> {
    let now = now_ms();
    for chunk in entries.chunks(super::ROWS_PER_STATEMENT) {
        let texts: Vec<(Option<String>, Option<String>)> = chunk
            .iter()
            .map(|e| (e.before.as_ref().map(ToString::to_string), e.after.as_ref().map(ToString::to_string)))
            .collect();
        let names_someone =
            texts.iter().any(|(b, a)| !mentions::names_in(&[b.as_deref(), a.as_deref()]).is_empty());
        let returning = if names_someone { " RETURNING id, before_json, after_json" } else { "" };
        let sql = format!(
            "INSERT INTO audit_log (at, actor_id, actor_label, action, target_type, target_id, scope, before_json, \
             after_json, reason) VALUES {}{returning}",
            values_placeholders(Dialect::of_connection(conn), chunk.len(), 10)
        );
        let mut q = sqlx::query_as::<_, (i64, Option<String>, Option<String>)>(AssertSqlSafe(sql));
        for (e, (before, after)) in chunk.iter().zip(texts) {
            q = q
                .bind(now)
                .bind(e.actor_id)
                .bind(e.actor_label)
                .bind(e.action.as_str())
                .bind(e.target_type)
                .bind(e.target_id)
                .bind(e.scope)
                .bind(before)
                .bind(after)
                .bind(e.reason);
        }
        // Without RETURNING the statement yields no rows; with it, the rows' names are indexed in
        // one set of multi-row statements.
        let pairs = mentions::pairs_of(&q.fetch_all(&mut *conn).await?);
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(n, id)| (n.as_str(), id.as_str())).collect();
        mentions::record_pairs(conn, Source::Audit, &refs).await?;
    }
    Ok(())
}

/// One audit entry as history lists show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    pub at: i64,
    pub actor_label: String,
    pub action: String,
    pub target_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub reason: Option<String>,
}

/// The newest `limit` entries about one scope (a course or library key), newest first.
pub async fn for_scope(db: &super::Db, scope: &str, limit: i64) -> Result<Vec<HistoryRow>, super::DbError> {
    Ok(sqlx::query_as(
        "SELECT at, actor_label, action, target_id, before_json, after_json, reason FROM audit_log \
         WHERE scope = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(scope)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}
