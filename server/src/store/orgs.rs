//! Organizations as the use cases look them up: whether a key names one, and every key.
//!
//! Read-only: it must not create, rename or delete organizations (`store::courses::upsert_org`
//! creates and renames them).

use sqlx::{Any, Executor};

/// The organization's key if an organization has exactly this key.
pub async fn find_key<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    key: &str,
) -> Result<Option<String>, super::DbError> {
    Ok(sqlx::query_scalar("SELECT key FROM orgs WHERE key = $1").bind(key).fetch_optional(ex).await?)
}

/// Every organization's key, in key order.
pub async fn keys<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Vec<String>, super::DbError> {
    Ok(sqlx::query_scalar("SELECT key FROM orgs ORDER BY key").fetch_all(ex).await?)
}
