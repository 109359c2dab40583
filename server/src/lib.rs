//! Registrar's server: the axum application and the `registrar` command line.
//!
//! Owns persistence (`store`), authentication (`auth`), the use cases behind the Gate, one folder per area (`services`), settings (`config`),
//! HTTP wiring and middleware (`http`), mail delivery (`mail`), background jobs (`worker`), demo data
//! (`seed`) and the commands (`cli`). The domain rules
//! live in the `registrar` crate and the pages in `app`.

pub mod auth;
pub mod bench;
pub mod cli;
pub mod config;
pub mod csv_file;
pub mod http;
pub mod mail;
pub mod notices;
pub mod seed;
pub mod services;
pub mod store;
pub mod worker;
