//! The server's one integration test binary: the real router over a real database, on SQLite and on
//! PostgreSQL. Add modules here rather than new test binaries (each binary is another link on CI).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod api {
    pub mod attacks;
    pub mod audit_export;
    pub mod batch_jobs;
    pub mod cli;
    pub mod console;
    pub mod discussion;
    pub mod jobs;
    pub mod libraries;
    pub mod mail;
    pub mod matrix;
    pub mod membership;
    pub mod own_account;
    pub mod personal_data_proof;
    pub mod personal_data_registry;
    pub mod records;
    pub mod retirement;
    pub mod rooms;
    pub mod roster;
    pub mod second_factor;
    pub mod session;
    pub mod studio_team;
    pub mod sweep;
    pub mod team;
}
