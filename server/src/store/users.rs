//! The users table: accounts, credentials, flags, account states and sign-in bookkeeping.

use super::{new_id, now_ms, Db, Flag};
use sqlx::{Any, AnyConnection, AssertSqlSafe, Executor, FromRow};

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
    /// When the account proved it controls its current address; `None` until then.
    pub email_verified_at: Option<i64>,
}

pub(crate) const COLUMNS: &str =
    "id, username, email, full_name, password_hash, is_active, is_staff, is_superuser, \
                       date_joined, last_login, state, email_verified_at";

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
    /// The address is known to be the person's (demo accounts); otherwise a mailed link proves it.
    pub email_verified: bool,
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
         is_active, is_staff, is_superuser, date_joined, state, email_verified_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
    .bind(user.email_verified.then(now_ms))
    .execute(ex)
    .await
    .map_err(classify)?;
    Ok(id)
}

/// Find by username or email (case-insensitive).
pub async fn find_by_login(db: &Db, identifier: &str) -> Result<Option<UserRow>, super::DbError> {
    let key = identifier.trim().to_lowercase();
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE username_key = $1 OR email_key = $1"
    )))
    .bind(key)
    .fetch_optional(&db.pool)
    .await?)
}

/// The account someone means to give something to: by username, or by an address its owner has
/// proven (an unproven address may be a squatter's registration with another person's email).
pub async fn find_grantee(db: &Db, identifier: &str) -> Result<Option<UserRow>, super::DbError> {
    let key = identifier.trim().to_lowercase();
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE username_key = $1 OR (email_key = $1 AND email_verified_at IS NOT NULL)"
    )))
    .bind(key)
    .fetch_optional(&db.pool)
    .await?)
}

/// Find by username (case-insensitive).
pub async fn find_by_username(db: &Db, username: &str) -> Result<Option<UserRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE username_key = $1")))
        .bind(username.trim().to_lowercase())
        .fetch_optional(&db.pool)
        .await?)
}

/// Find by id.
pub async fn get(db: &Db, id: &str) -> Result<Option<UserRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE id = $1")))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?)
}

/// Stamp a successful sign-in.
pub async fn record_login<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<(), super::DbError> {
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
) -> Result<(), super::DbError> {
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
pub async fn principal(db: &Db, user: UserRow) -> Result<registrar::authz::Principal, super::DbError> {
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
pub async fn global_staff(db: &Db, limit: i64) -> Result<(Vec<UserRow>, i64), super::DbError> {
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

/// How many accounts there are (the activation policy's "first account" test).
pub async fn count(db: &Db) -> Result<i64, super::DbError> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(&db.pool).await?)
}

/// How many active superusers there are other than `except` (the last one may not be demoted).
pub async fn count_other_active_superusers(db: &Db, except: &str) -> Result<i64, super::DbError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE is_superuser AND is_active AND id <> $1")
        .bind(except)
        .fetch_one(&db.pool)
        .await?)
}

/// The users whose case-folded usernames are `keys` (at most a bulk action's 1,000), in no order.
pub async fn find_by_username_keys(db: &Db, keys: &[String]) -> Result<Vec<UserRow>, super::DbError> {
    let sql = format!(
        "SELECT {} FROM users WHERE username_key IN ({})",
        COLUMNS,
        super::list_placeholders(1, keys.len())
    );
    let mut q = sqlx::query_as::<_, UserRow>(AssertSqlSafe(sql));
    for k in keys {
        q = q.bind(k);
    }
    Ok(q.fetch_all(&db.pool).await?)
}

/// An account's state (`new`, `invited`, `active`, `deactivated`), inside the caller's transaction.
pub async fn state_of(conn: &mut AnyConnection, id: &str) -> Result<String, super::DbError> {
    Ok(sqlx::query_scalar("SELECT state FROM users WHERE id = $1").bind(id).fetch_one(&mut *conn).await?)
}

/// Change an account's email (with its case-folded key) and full name. Any uniqueness refusal is
/// reported as [`WriteError::EmailTaken`] (the email is the only unique column written).
pub async fn set_email_and_name(
    conn: &mut AnyConnection,
    id: &str,
    email: &str,
    email_key: &str,
    full_name: &str,
) -> Result<(), WriteError> {
    // The address it had is remembered for retirement (history written until now names it).
    sqlx::query(
        "INSERT INTO user_past_emails (user_id, email_key, email, changed_at) \
         SELECT id, email_key, email, $3 FROM users WHERE id = $1 AND email_key <> $2 ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(email_key)
    .bind(now_ms())
    .execute(&mut *conn)
    .await
    .map_err(WriteError::Db)?;
    // A new address is not proven yet (the old value of `email_key` is compared).
    sqlx::query(
        "UPDATE users SET email = $2, email_key = $3, full_name = $4, \
         email_verified_at = CASE WHEN email_key = $3 THEN email_verified_at ELSE NULL END WHERE id = $1",
    )
    .bind(id)
    .bind(email)
    .bind(email_key)
    .bind(full_name)
    .execute(&mut *conn)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => WriteError::EmailTaken,
        e => WriteError::Db(e),
    })?;
    Ok(())
}

/// Set an account's staff and superuser flags.
pub async fn set_staff_and_superuser(
    conn: &mut AnyConnection,
    id: &str,
    is_staff: bool,
    is_superuser: bool,
) -> Result<(), super::DbError> {
    sqlx::query("UPDATE users SET is_staff = $2, is_superuser = $3 WHERE id = $1")
        .bind(id)
        .bind(is_staff)
        .bind(is_superuser)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Take staff status away from an account.
pub async fn clear_staff(conn: &mut AnyConnection, id: &str) -> Result<(), super::DbError> {
    sqlx::query("UPDATE users SET is_staff = $2 WHERE id = $1")
        .bind(id)
        .bind(false)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Set a new password hash if the current one is still `old_hash` (`""` for none); `false` when it
/// changed meanwhile (nothing written).
pub async fn set_password_if_unchanged(
    conn: &mut AnyConnection,
    id: &str,
    hash: &str,
    old_hash: &str,
) -> Result<bool, super::DbError> {
    let done =
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1 AND COALESCE(password_hash, '') = $3")
            .bind(id)
            .bind(hash)
            .bind(old_hash)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// Active accounts that may set up others: superusers, and staff in a group that gives
/// `change_users`.
pub async fn account_managers(db: &Db) -> Result<Vec<UserRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE is_active AND (is_superuser OR (is_staff AND id IN \
         (SELECT m.user_id FROM group_members m JOIN group_permissions p ON p.group_id = m.group_id \
          WHERE p.permission = 'change_users'))) ORDER BY username_key"
    )))
    .fetch_all(&db.pool)
    .await?)
}

/// Change an account's full name.
pub async fn set_full_name(
    conn: &mut AnyConnection,
    id: &str,
    full_name: &str,
) -> Result<(), super::DbError> {
    sqlx::query("UPDATE users SET full_name = $2 WHERE id = $1")
        .bind(id)
        .bind(full_name)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Mark an account deactivated: not active, no staff or superuser status.
pub async fn deactivate(conn: &mut AnyConnection, id: &str) -> Result<(), super::DbError> {
    sqlx::query(
        "UPDATE users SET state = 'deactivated', is_active = $2, is_staff = $2, is_superuser = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(false)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Set an account's state and whether it is active.
pub async fn set_state(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    is_active: bool,
) -> Result<(), super::DbError> {
    sqlx::query("UPDATE users SET state = $2, is_active = $3 WHERE id = $1")
        .bind(id)
        .bind(state)
        .bind(is_active)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Move an invited account to `state` and make it active; an account no longer invited is left
/// alone.
pub async fn activate_invited(conn: &mut AnyConnection, id: &str, state: &str) -> Result<(), super::DbError> {
    sqlx::query("UPDATE users SET state = $2, is_active = $3 WHERE id = $1 AND state = 'invited'")
        .bind(id)
        .bind(state)
        .bind(true)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Record that `id` proved it controls `email_key`, unless its address changed since the link was
/// mailed; returns whether the address is (now) proven.
pub async fn mark_email_verified(
    conn: &mut AnyConnection,
    id: &str,
    email_key: &str,
) -> Result<bool, super::DbError> {
    sqlx::query("UPDATE users SET email_verified_at = $3 WHERE id = $1 AND email_key = $2 AND email_verified_at IS NULL")
        .bind(id)
        .bind(email_key)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    let proven: Option<i64> =
        sqlx::query_scalar("SELECT email_verified_at FROM users WHERE id = $1 AND email_key = $2")
            .bind(id)
            .bind(email_key)
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
    Ok(proven.is_some())
}

/// The account `id` read inside the caller's transaction.
pub async fn get_in(conn: &mut AnyConnection, id: &str) -> Result<Option<UserRow>, super::DbError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}
