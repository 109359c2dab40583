//! Registrar's domain: the rules every other crate shares.
//!
//! This crate owns identifiers and keys, the role hierarchy and permission decisions, account
//! policies (usernames, emails, passwords) and the coded error every layer speaks. It is pure: no IO,
//! no database, no HTTP, no clock. It compiles to `wasm32-unknown-unknown` so the browser validates
//! with exactly the rules the server enforces.

pub mod account;
pub mod activation;
pub mod audit;
pub mod authz;
pub mod console;
pub mod discussion;
pub mod enrollment;
pub mod error;
pub mod identifiers;
pub mod ids;
pub mod library;
pub mod records;
pub mod retirement;
pub mod roles;
pub mod second_factor;
pub mod team;
pub mod throttle;
pub mod token_scope;
pub mod wire;

#[cfg(test)]
mod proptests;

pub use audit::AuditAction;
pub use error::{DomainError, ErrorCode, ErrorKind};
