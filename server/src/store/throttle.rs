//! Failed sign-ins per key (`ip:<address>`, `account:<id or identifier>`), in the database so every
//! app server sees the same counts. Fixed windows: a key's count resets when its window has passed.

use super::{now_ms, Db};

/// Failures counted for `key` and when its window started, if the window is still open.
pub async fn window(db: &Db, key: &str, window_ms: i64) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT failures, window_start FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.filter(|(_, start)| now_ms() - start < window_ms))
}

/// Count one more failure for each key, starting a new window where the old one passed.
pub async fn record_failure(db: &Db, keys: &[&str], window_ms: i64) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    for key in keys {
        sqlx::query(
            "INSERT INTO login_throttle (key, failures, window_start) VALUES ($1, 1, $2) \
             ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN login_throttle.window_start > $3 THEN login_throttle.failures + 1 ELSE 1 END, \
             window_start = CASE WHEN login_throttle.window_start > $3 THEN login_throttle.window_start ELSE $2 END",
        )
        .bind(*key)
        .bind(now)
        .bind(now - window_ms)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Forget a key's failures (after a successful sign-in).
pub async fn clear(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(&db.pool).await?;
    Ok(())
}
