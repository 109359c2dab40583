//! The users table: accounts, credentials, flags and sign-in bookkeeping.

use super::{new_id, now_ms, Db, Flag};
use sqlx::{Any, AssertSqlSafe, Executor, FromRow};

/// A user row as the server needs it. The password hash never leaves the server.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub password_hash: Option<String>,
    pub is_active: Flag,
    pub is_staff: Flag,
    pub is_superuser: Flag,
    pub date_joined: i64,
    pub last_login: Option<i64>,
    /// `new`, `invited`, `active` or `deactivated` (`registrar::activation::AccountState`).
    pub state: String,
}

pub(crate) const COLUMNS: &str =
    "id, username, email, full_name, password_hash, is_active, is_staff, is_superuser, \
                       date_joined, last_login, state";

/// What a new account needs.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub full_name: &'a str,
    pub password_hash: Option<&'a str>,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub state: registrar::activation::AccountState,
}

/// Why an insert or update was refused by a uniqueness rule.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("username taken")]
    UsernameTaken,
    #[error("email taken")]
    EmailTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn classify(e: sqlx::Error) -> WriteError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            let msg = db.message().to_lowercase();
            let constraint = db.constraint().unwrap_or_default().to_lowercase();
            if msg.contains("email") || constraint.contains("email") {
                return WriteError::EmailTaken;
            }
            if msg.contains("username") || constraint.contains("username") {
                return WriteError::UsernameTaken;
            }
        }
    }
    WriteError::Db(e)
}

/// Insert a user; returns the new id. Uniqueness is on the case-folded username and email.
pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    user: &NewUser<'_>,
) -> Result<String, WriteError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO users (id, username, username_key, email, email_key, full_name, password_hash, \
         is_active, is_staff, is_superuser, date_joined, state) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&id)
    .bind(user.username)
    .bind(user.username.to_lowercase())
    .bind(user.email)
    .bind(user.email.to_lowercase())
    .bind(user.full_name)
    .bind(user.password_hash)
    .bind(user.is_active)
    .bind(user.is_staff)
    .bind(user.is_superuser)
    .bind(now_ms())
    .bind(user.state.as_str())
    .execute(ex)
    .await
    .map_err(classify)?;
    Ok(id)
}

/// Find by username or email (case-insensitive).
pub async fn find_by_login(db: &Db, identifier: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let key = identifier.trim().to_lowercase();
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE username_key = $1 OR email_key = $1"
    )))
    .bind(key)
    .fetch_optional(&db.pool)
    .await
}

/// Find by username (case-insensitive).
pub async fn find_by_username(db: &Db, username: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE username_key = $1")))
        .bind(username.trim().to_lowercase())
        .fetch_optional(&db.pool)
        .await
}

/// Find by id.
pub async fn get(db: &Db, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE id = $1")))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Stamp a successful sign-in.
pub async fn record_login<'e, E: Executor<'e, Database = Any>>(ex: E, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_login = $2 WHERE id = $1").bind(id).bind(now_ms()).execute(ex).await?;
    Ok(())
}

/// Changes `manage-user` may make to an existing account.
#[derive(Debug, Clone)]
pub struct Update<'a> {
    /// A new full name, or `None` to keep it.
    pub full_name: Option<&'a str>,
    pub is_staff: bool,
    pub is_superuser: bool,
    /// `Some(None)` makes the password unusable; `None` leaves it.
    pub password_hash: Option<Option<&'a str>>,
}

/// Apply `manage-user` changes.
pub async fn update<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
    u: &Update<'_>,
) -> Result<(), sqlx::Error> {
    let (set_password, hash) = match u.password_hash {
        Some(h) => (true, h),
        None => (false, None),
    };
    sqlx::query(
        "UPDATE users SET is_staff = $2, is_superuser = $3, \
         password_hash = CASE WHEN $4 THEN $5 ELSE password_hash END, full_name = COALESCE($6, full_name) \
         WHERE id = $1",
    )
    .bind(id)
    .bind(u.is_staff)
    .bind(u.is_superuser)
    .bind(set_password)
    .bind(hash)
    .bind(u.full_name)
    .execute(ex)
    .await?;
    Ok(())
}

/// The user as a principal for permission decisions: flags and every grant they hold.
pub async fn principal(db: &Db, user: UserRow) -> Result<registrar::authz::Principal, sqlx::Error> {
    let grants = super::roles::grants_for_user(&db.pool, &user.id).await?;
    Ok(registrar::authz::Principal {
        user_id: registrar::ids::UserId(user.id),
        username: user.username,
        is_active: user.is_active.0,
        is_staff: user.is_staff.0,
        is_superuser: user.is_superuser.0,
        grants,
    })
}

/// Up to `limit` active global staff (staff or superusers) by username, and how many there are.
pub async fn global_staff(db: &Db, limit: i64) -> Result<(Vec<UserRow>, i64), sqlx::Error> {
    // Written as the partial index `users_global_staff` is, so both engines use it.
    let filter = "(is_staff OR is_superuser) AND is_active";
    let rows = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE {filter} ORDER BY username_key LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let count = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM users WHERE {filter}")))
        .fetch_one(&db.pool)
        .await?;
    Ok((rows, count))
}
