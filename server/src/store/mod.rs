//! Persistence: one sqlx pool over SQLite (the embedded default) or PostgreSQL, chosen by URL.
//!
//! Owns connecting, migrating and the per-aggregate query modules. SQL is portable (`$1`
//! placeholders, `RETURNING`, epoch-millisecond timestamps, text ids) and goes through sqlx's `Any`
//! driver so one binary serves both engines. Explicit column lists only; no raw database text leaves
//! this module's callers (they log it and show an operation id).

pub mod audit;
pub mod console;
pub mod courses;
pub mod credential_awards;
pub mod credentials;
pub mod demo;
pub mod enrollments;
pub mod expiry;
pub mod groups;
pub mod health;
pub mod jobs;
pub mod libraries;
pub mod lock;
pub mod mentions;
pub mod oauth_clients;
pub mod orgs;
pub mod outbox;
pub mod personal_data;
pub mod personal_export;
pub mod records;
pub mod registry;
pub mod retirement;
pub mod roles;
pub mod second_factors;
pub mod secrets;
pub mod sessions;
pub mod sign_ins;
pub mod team_invitations;
pub mod throttle;
pub mod tokens;
pub mod user_admin;
pub mod users;

use sqlx::any::{AnyPoolOptions, AnyTypeInfo};
use sqlx::{Any, AnyPool, Decode, Type};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A connection inside a transaction, as the use cases pass it to the stores (they never name the
/// driver themselves).
pub type Conn = sqlx::AnyConnection;

/// An open transaction (`Db::begin`); dropped without `commit`, it rolls back.
pub type Tx = sqlx::Transaction<'static, Any>;

/// A failure of the database, as the stores report it. Use cases turn it into `INTERNAL` with an
/// operation id (`?` does it: `From<DbError> for DomainError` in `crate::services`); its text never
/// reaches a user.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DbError(#[from] sqlx::Error);

impl DbError {
    /// Whether a uniqueness rule refused the write.
    #[must_use]
    pub fn is_unique_violation(&self) -> bool {
        matches!(&self.0, sqlx::Error::Database(d) if d.is_unique_violation())
    }

    /// No row where one was required (`fetch_one` found nothing).
    #[must_use]
    pub fn is_row_not_found(&self) -> bool {
        matches!(self.0, sqlx::Error::RowNotFound)
    }

    /// The driver's error, for the store's own classification.
    #[must_use]
    pub fn driver(&self) -> &sqlx::Error {
        &self.0
    }
}

/// Rows per multi-row statement: few round trips, and well under both engines' parameter limits
/// (SQLite 32,766; PostgreSQL 65,535) at ten columns a row.
pub const ROWS_PER_STATEMENT: usize = 500;

/// Which engine the pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The engine a database URL names, or a message saying what is wrong with it.
    pub fn of_url(url: &str) -> Result<Self, String> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            Err(format!(
                "DATABASE_URL must start with sqlite: or postgres:, not '{}'",
                url.split(':').next().unwrap_or_default()
            ))
        }
    }

    /// `expr` starts with the text bound at `$lo` (the upper bound `$hi` is [`prefix_bounds`]'s), as
    /// a range an index on `expr` serves. PostgreSQL compares bytewise, like SQLite, whatever the
    /// database's collation.
    #[must_use]
    pub fn starts_with(self, expr: &str, lo: usize, hi: usize) -> String {
        match self {
            Self::Sqlite => format!("({expr} >= ${lo} AND {expr} < ${hi})"),
            Self::Postgres => format!("({expr} COLLATE \"C\" >= ${lo} AND {expr} COLLATE \"C\" < ${hi})"),
        }
    }
}

/// The database: a pool and its dialect. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub dialect: Dialect,
}

/// The bounds of a prefix search for [`Dialect::starts_with`]: the lower-cased term, and the term
/// followed by the largest character (every string starting with the term sorts between the two).
#[must_use]
pub fn prefix_bounds(term: &str) -> (String, String) {
    let lo = term.trim().to_lowercase();
    let hi = format!("{lo}{}", char::MAX);
    (lo, hi)
}

/// A failure to open or migrate the database, with a message for the operator.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    BadUrl(String),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("cannot connect to the database: {0}")]
    Connect(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    #[error("indexing who the audit log names failed: {0}")]
    Backfill(DbError),
}

impl Db {
    /// Open a transaction on the pool.
    pub async fn begin(&self) -> Result<Tx, DbError> {
        Ok(self.pool.begin().await?)
    }

    /// A connection from the pool for a few reads that need one connection (no transaction).
    pub async fn connection(&self) -> Result<sqlx::pool::PoolConnection<Any>, DbError> {
        Ok(self.pool.acquire().await?)
    }
}

/// Commit a transaction opened with [`Db::begin`].
pub async fn commit(tx: Tx) -> Result<(), DbError> {
    Ok(tx.commit().await?)
}

impl Db {
    /// Connect to `url`, creating the SQLite file (and its directory) if needed. Does not migrate.
    pub async fn connect(url: &str) -> Result<Self, OpenError> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::of_url(url).map_err(OpenError::BadUrl)?;
        let mut url = url.to_owned();
        if dialect == Dialect::Sqlite {
            if let Some(dir) = sqlite_file(&url).and_then(|f| Path::new(f).parent().map(Path::to_path_buf)) {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(&dir)
                        .map_err(|source| OpenError::DataDir { path: dir.display().to_string(), source })?;
                }
            }
            if !url.contains("mode=") && !url.contains(":memory:") {
                url.push_str(if url.contains('?') { "&mode=rwc" } else { "?mode=rwc" });
            }
        }
        let max = if dialect == Dialect::Sqlite { 8 } else { 16 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
                        // WAL's recommended setting: durable against crashes of the process, one
                        // fsync per checkpoint instead of per commit.
                        sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                        // 32 MB of page cache per connection (the default is 2 MB): batches and
                        // large lists read their indexes from memory instead of a read() per page.
                        sqlx::query("PRAGMA cache_size = -32768").execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(OpenError::Connect)?;
        if dialect == Dialect::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await.map_err(OpenError::Connect)?;
        }
        Ok(Self { pool, dialect })
    }

    /// Apply every pending migration of this dialect.
    pub async fn migrate(&self) -> Result<(), OpenError> {
        let migrator = match self.dialect {
            Dialect::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Dialect::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator.run(&self.pool).await.map_err(OpenError::Migrate)
    }

    /// Connect and migrate: what `serve` does at start (fail fast).
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        let db = Self::connect(url).await?;
        db.migrate().await?;
        // Index who older audit entries and jobs name (once; nothing to do afterwards).
        mentions::backfill(&db).await.map_err(OpenError::Backfill)?;
        Ok(db)
    }
}

fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let file = rest.split('?').next()?;
    (!file.is_empty() && file != ":memory:").then_some(file)
}

/// Now, as UTC epoch milliseconds.
#[must_use]
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A new text id.
#[must_use]
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A boolean column: `BOOLEAN` on PostgreSQL, `INTEGER` 0/1 on SQLite; decodes from either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as Type<Any>>::type_info()
    }

    fn compatible(_ty: &AnyTypeInfo) -> bool {
        true
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        match <bool as Decode<Any>>::decode(value.clone()) {
            Ok(b) => Ok(Self(b)),
            Err(_) => <i64 as Decode<Any>>::decode(value).map(|i| Self(i != 0)),
        }
    }
}

impl From<Flag> for bool {
    fn from(f: Flag) -> Self {
        f.0
    }
}

/// The `VALUES` list of a multi-row insert whose only parameters are these `rows` × `cols` values, in
/// order. SQLite gets anonymous `?` parameters: with numbered names (`$n`) it looks each name up in a
/// list as values are bound, which makes binding a 5,000-value statement take tens of milliseconds.
#[must_use]
pub fn values_placeholders(dialect: Dialect, rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (0..cols)
                .map(|c| match dialect {
                    Dialect::Sqlite => "?".to_owned(),
                    Dialect::Postgres => format!("${}", 1 + r * cols + c),
                })
                .collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Dialect {
    /// The engine an open connection talks to.
    #[must_use]
    pub fn of_connection(conn: &sqlx::AnyConnection) -> Self {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }
}

/// `$s, $s+1, …`: placeholders for an `IN (…)` list of `n` values, numbered from `start`.
#[must_use]
pub fn list_placeholders(start: usize, n: usize) -> String {
    (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Escape `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern and wrap it for a contains-search.
#[must_use]
pub fn like_contains(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_from_url() {
        assert_eq!(Dialect::of_url("sqlite://data/x.db").unwrap(), Dialect::Sqlite);
        assert_eq!(Dialect::of_url("postgres://localhost/test").unwrap(), Dialect::Postgres);
        assert!(Dialect::of_url("mysql://x").unwrap_err().contains("mysql"));
    }

    #[test]
    fn sqlite_file_paths() {
        assert_eq!(sqlite_file("sqlite://data/registrar.db?mode=rwc"), Some("data/registrar.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }

    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(values_placeholders(Dialect::Postgres, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_placeholders(Dialect::Sqlite, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(list_placeholders(3, 3), "$3, $4, $5");
    }

    #[test]
    fn prefix_bounds_enclose_every_continuation() {
        let (lo, hi) = prefix_bounds(" Ame ");
        assert_eq!(lo, "ame");
        for name in ["ame", "amelia", "ame\u{e9}lie", "ame\u{10fffe}"] {
            assert!(lo.as_str() <= name && name < hi.as_str(), "{name}");
        }
        assert!("amf" > hi.as_str() && "amd" < lo.as_str());
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains(" A_b%"), "%a\\_b\\%%");
    }
}
