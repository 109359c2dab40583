//! Sign-in and registration attempts per key (`ip:<address>`, `account:<id or identifier>`,
//! `register:<address>`), in the database so every app server sees the same counts. Fixed windows: a
//! key's count starts again when its window has passed. An attempt is counted *before* the password is
//! checked, in one statement, so parallel guesses cannot all slip under the limit.

use super::{now_ms, Db};

/// Count one attempt for `key` and return the count in the current window, this attempt included.
pub async fn hit(db: &Db, key: &str, window_ms: i64) -> Result<i64, super::DbError> {
    let now = now_ms();
    Ok(sqlx::query_scalar(
        "INSERT INTO login_throttle (key, failures, window_start) VALUES ($1, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET \
         failures = CASE WHEN login_throttle.window_start > $3 THEN login_throttle.failures + 1 ELSE 1 END, \
         window_start = CASE WHEN login_throttle.window_start > $3 THEN login_throttle.window_start ELSE $2 END \
         RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .bind(now - window_ms)
    .fetch_one(&db.pool)
    .await?)
}

/// Take back one counted attempt (it succeeded), never below zero.
pub async fn forgive(db: &Db, key: &str) -> Result<(), super::DbError> {
    sqlx::query("UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0")
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Forget a key (an account after a successful sign-in).
pub async fn clear(db: &Db, key: &str) -> Result<(), super::DbError> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(&db.pool).await?;
    Ok(())
}
