//! The health check's probe: whether the database answers a trivial query.
//!
//! It must not read or write any table, so a probe costs nothing and changes nothing.

use sqlx::{Any, Executor};

/// Ask the database for `SELECT 1`; an error means it is unreachable or failing.
pub async fn ping<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<(), super::DbError> {
    sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(ex).await?;
    Ok(())
}
