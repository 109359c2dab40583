//! Settings: the sign-in and session policy and the retirement settings, with their defaults.
//!
//! Owns the shapes of the settings the use cases run with; the command line fills them from the
//! environment and flags. It must not read the database or decide anything.

use registrar::retirement::{RetiredNames, ReusePolicy, StateList};

/// Sign-in and session policy.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    /// How long a session lives.
    pub session_ttl_ms: i64,
    /// Mark the cookie `Secure` (served over https).
    pub cookie_secure: bool,
    /// Failed sign-ins on one account (or typed identifier) before it locks.
    pub account_failures: i64,
    /// How long the account window (and so the lock) lasts.
    pub account_window_ms: i64,
    /// Failed sign-ins from one address before it is slowed down.
    pub ip_failures: i64,
    /// How long the address window lasts.
    pub ip_window_ms: i64,
    /// Accounts one address may register per registration window.
    pub registrations: i64,
    pub registration_window_ms: i64,
    /// How new accounts start (the default is the "open" policy: set up at once, active once every
    /// required agreement is signed).
    pub activation: registrar::activation::ActivationPolicy,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            session_ttl_ms: 14 * 24 * 3_600_000,
            cookie_secure: false,
            account_failures: 5,
            account_window_ms: 15 * 60_000,
            ip_failures: 30,
            ip_window_ms: 10 * 60_000,
            registrations: 20,
            registration_window_ms: 3_600_000,
            activation: registrar::activation::ActivationPolicy {
                new_users_active: false,
                auto_setup: true,
                first_user_superuser: false,
            },
        }
    }
}

/// Retirement configuration (validated at start).
#[derive(Debug, Clone)]
pub struct RetirementSettings {
    pub states: StateList,
    pub names: RetiredNames,
    pub cool_off_days: u32,
    /// Days after COMPLETE before the retirement's own record is redacted.
    pub cleanup_days: u32,
    pub service_username: String,
    pub reuse: ReusePolicy,
    /// Whether this server's worker runs the stages (off when an external driver does).
    pub builtin_worker: bool,
    /// Learners per worker batch.
    pub batch_size: i64,
    /// Failed attempts at one stage before the learner goes to ERRORED.
    pub max_attempts: i64,
}

impl Default for RetirementSettings {
    fn default() -> Self {
        Self {
            states: StateList::default_list(),
            names: RetiredNames::open_edx_defaults(),
            cool_off_days: 14,
            cleanup_days: 30,
            service_username: "RETIREMENT_SERVICE_USER".to_owned(),
            reuse: ReusePolicy::Forever,
            builtin_worker: true,
            batch_size: 500,
            max_attempts: 5,
        }
    }
}
