//! Registrar's server: the axum application and the `registrar` command line.
//!
//! Owns persistence (`store`), authentication (`auth`), the use cases behind the Gate (`backend`),
//! HTTP wiring and middleware (`http`), mail delivery (`mail`), background jobs (`worker`), demo data
//! (`seed`) and the commands (`cli`). The domain rules
//! live in the `registrar` crate and the pages in `app`.

pub mod auth;
pub mod backend;
pub mod bench;
pub mod cli;
pub mod console;
pub mod credentials;
pub mod http;
pub mod mail;
pub mod notices;
pub mod retirement;
pub mod seed;
pub mod sharing;
pub mod store;
pub mod worker;
