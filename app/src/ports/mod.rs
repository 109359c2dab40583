//! The ports: what the server must provide for server functions to work (server side only).
//!
//! One port trait per use-case area, in a module of its own (`accounts`, `enrollment`, `team`,
//! `libraries`, `console`, `retirement`, `records`), and the facts the Gate decides from (`facts`).
//! [`Backend`] holds one implementation per area; the server builds it. Every use-case method
//! demands a capability from `crate::gate::capabilities`, which only the Gate can mint, so no server
//! function reaches a use case without passing the Gate. This module owns the request facts the
//! middleware sets (principal, client); it must not decide anything. Data shapes live in `crate::model`.

pub mod accounts;
pub mod console;
pub mod enrollment;
pub mod facts;
pub mod libraries;
pub mod records;
pub mod retirement;
pub mod team;

use registrar::authz::Principal;
use registrar::ids::UserId;
use std::sync::Arc;

/// Who made the request, as the server saw it: set once per request by the server's middleware.
#[derive(Debug, Clone, Default)]
pub struct RequestPrincipal {
    /// The resolved principal, `None` for anonymous requests.
    pub principal: Option<Principal>,
    /// The hashed id of the session the request came with (cookie sign-in only).
    pub session_id: Option<String>,
    /// An invited account signed in to sign its agreements (no principal until it is active).
    pub awaiting: Option<AwaitingAccount>,
    /// The scopes of the service token the request came with; `None` for sessions and personal
    /// tokens, which act as their user.
    pub scopes: Option<Vec<registrar::token_scope::TokenScope>>,
    /// The site requires staff to use a second factor and this staff account has none set up:
    /// the console stays closed to it.
    pub second_factor_missing: bool,
}

/// An invited account that has signed in but is not active yet.
#[derive(Debug, Clone)]
pub struct AwaitingAccount {
    pub user_id: UserId,
    pub username: String,
}

/// Facts about the client, for throttling and the session list.
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    pub ip: String,
    pub user_agent: String,
}

/// A session just opened: the secret for the cookie (shown once, stored hashed).
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie secret; empty when a second step is needed first.
    pub token: String,
    /// The account is invited, not active yet: it signed in to sign its agreements.
    pub awaiting: bool,
    /// The password was right but the account asks for a code too: no session yet, this pending
    /// token (five minutes) and a code open one.
    pub second_factor: Option<String>,
}

/// A course list query.
#[derive(Debug, Clone, Default)]
pub struct CourseQuery {
    pub search: String,
    pub page: u32,
    pub per_page: u32,
}

/// A file the server answers with (CSV downloads, signatory images).
#[derive(Debug, Clone)]
pub struct Download {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// A query of the service API's retirement queue (`GET accounts/retirement_queue/`).
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    pub cool_off_days: i64,
    pub states: Vec<String>,
    pub limit: Option<i64>,
}

/// The use cases, one implementation per area, as server functions find them in context.
pub struct Backend {
    /// Sign-in, registration, sessions, the account page; accounts made by commands.
    pub accounts: Arc<dyn accounts::AccountsArea>,
    /// Courses, the Membership tab's batches and roster.
    pub enrollment: Arc<dyn enrollment::Enrollment>,
    /// Course team and discussion roles; the Studio course team page.
    pub team: Arc<dyn team::TeamArea>,
    /// Libraries and their teams, groups, org-wide grants.
    pub libraries: Arc<dyn libraries::LibrariesArea>,
    /// The admin console: users, activation, agreements, invitations, roles, audit, jobs.
    pub console: Arc<dyn console::ConsoleArea>,
    /// Account deletion: the learner's side, the console's, the service API's.
    pub retirement: Arc<dyn retirement::RetirementArea>,
    /// Credentials and learner records.
    pub records: Arc<dyn records::RecordsArea>,
    /// The facts the Gate decides from (only the Gate can ask).
    pub facts: Arc<dyn facts::GateFacts>,
}

/// The backend as server functions find it in context.
pub type SharedBackend = Arc<Backend>;
