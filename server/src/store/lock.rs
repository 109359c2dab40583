//! Locking before reading, written once for both engines. PostgreSQL takes a row lock
//! (`SELECT … FOR UPDATE`) that makes a second writer of the same row wait; SQLite has a single
//! writer, so a no-op write first in the transaction takes its write lock before anything is read.
//! Either way, what a use case reads after the lock cannot change under it until it commits.
//!
//! It must not be used outside a transaction (the lock would end with the statement).

use super::{DbError, Dialect};
use sqlx::AnyConnection;

/// What can be locked: the row that stands for a team, a learner or an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A course: its team (roles, invitations) changes one writer at a time.
    Course,
    /// A library: its team and switches change one writer at a time.
    Library,
    /// An account: its state, signatures, credentials and records change one writer at a time.
    User,
}

impl Row {
    /// The statement that locks one row of this kind on `dialect` (`$1` is the key).
    const fn statement(self, dialect: Dialect) -> &'static str {
        match (self, dialect) {
            (Self::Course, Dialect::Postgres) => "SELECT key FROM courses WHERE key = $1 FOR UPDATE",
            (Self::Course, Dialect::Sqlite) => {
                "UPDATE courses SET display_name = display_name WHERE key = $1"
            }
            (Self::Library, Dialect::Postgres) => "SELECT key FROM libraries WHERE key = $1 FOR UPDATE",
            (Self::Library, Dialect::Sqlite) => "UPDATE libraries SET updated_at = updated_at WHERE key = $1",
            (Self::User, Dialect::Postgres) => "SELECT id FROM users WHERE id = $1 FOR UPDATE",
            (Self::User, Dialect::Sqlite) => "UPDATE users SET state = state WHERE id = $1",
        }
    }
}

/// Lock one row (`key`: the course or library key, or the user id) inside the caller's transaction.
pub async fn row(conn: &mut AnyConnection, what: Row, key: &str) -> Result<(), DbError> {
    let sql = what.statement(Dialect::of_connection(conn));
    sqlx::query(sql).bind(key).execute(&mut *conn).await?;
    Ok(())
}

/// Become the only writer before a batch that reads and writes many rows: SQLite's write lock (a
/// no-op write that matches no row); nothing on PostgreSQL, whose row locks and upserts serialise
/// what conflicts.
pub async fn writer(conn: &mut AnyConnection) -> Result<(), DbError> {
    if Dialect::of_connection(conn) == Dialect::Sqlite {
        sqlx::query("UPDATE users SET state = state WHERE id = ''").execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_locks_rows_and_sqlite_writes_first() {
        for what in [Row::Course, Row::Library, Row::User] {
            assert!(what.statement(Dialect::Postgres).ends_with("FOR UPDATE"));
            assert!(what.statement(Dialect::Sqlite).starts_with("UPDATE "));
            assert!(what.statement(Dialect::Sqlite).ends_with("= $1"));
        }
    }
}
