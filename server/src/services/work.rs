//! One unit of work: a use case's transaction, opened once ([`Core::begin`]), written through (it
//! derefs to the connection the stores take), audited with typed entries ([`Work::audit`]) and
//! committed once ([`Work::commit`]). Database failures become `INTERNAL` with an operation id on the
//! way out (`From<DbError> for DomainError`), so a use case writes `?` and nothing else.
//!
//! Dropped without `commit` (an early `?`), the transaction rolls back: nothing half-done stays. It
//! must not decide anything: rules are the domain crate's, checked by the use case before it writes.

use super::Core;
use crate::store::{self, audit, Conn, DbError, Tx};
use registrar::DomainError;
use std::ops::{Deref, DerefMut};

/// An open transaction of one use case.
pub(crate) struct Work {
    tx: Tx,
}

impl Core {
    /// Open the use case's transaction.
    pub(crate) async fn begin(&self) -> Result<Work, DomainError> {
        Ok(Work { tx: self.db.begin().await? })
    }
}

impl Work {
    /// Append an audit entry inside this transaction (it lands only if the work commits).
    pub(crate) async fn audit(&mut self, entry: &audit::Entry<'_>) -> Result<(), DomainError> {
        audit::append(&mut self.tx, entry).await?;
        Ok(())
    }

    /// Commit everything written (and audited) in this transaction.
    pub(crate) async fn commit(self) -> Result<(), DomainError> {
        store::commit(self.tx).await?;
        Ok(())
    }
}

impl Deref for Work {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        &self.tx
    }
}

impl DerefMut for Work {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.tx
    }
}

impl From<DbError> for DomainError {
    fn from(error: DbError) -> Self {
        super::internal(error)
    }
}
