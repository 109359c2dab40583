//! Configuration: the flags and environment variables Registrar runs with (their names, defaults and
//! help texts), read once at start and turned into typed, validated settings: [`Config`] for
//! `serve`, [`RetirementSettings`] for the retirement commands, [`AuthPolicy`] and the Leptos options.
//!
//! The one place that reads settings from the environment (clap's `env`, plus the three variables
//! cargo-leptos sets). The rest of the server receives these values. It must not open the database,
//! a socket or a mail connection, and decides nothing beyond whether the settings are valid.

use clap::Args;
use leptos::config::LeptosOptions;
use registrar::retirement::{RetiredNames, ReusePolicy, StateList, DEFAULT_SALTS};
use std::fmt;
use std::net::SocketAddr;

// The database every command uses. (No doc comment: clap would take it as the command's about.)
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database to use: `sqlite://PATH` (created if missing) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/registrar.db", global = true)]
    pub database_url: String,
}

/// The keys that sign mailed links (password, confirmation, cancel-deletion), for every command.
#[derive(Debug, Clone, Args)]
pub struct LinkKeyArgs {
    /// Keys that sign mailed links, comma-separated, each at least 32 characters: the first signs,
    /// every one verifies (to rotate, put the new key first and drop the old one when its links have
    /// expired). Required outside development; never stored in the database.
    #[arg(long, env = "REGISTRAR_LINK_KEYS", global = true, hide_env_values = true)]
    pub link_keys: Option<String>,
    /// A file with the link keys, one per line (the first signs), instead of REGISTRAR_LINK_KEYS.
    #[arg(long, env = "REGISTRAR_LINK_KEYS_FILE", global = true)]
    pub link_keys_file: Option<String>,
}

/// The keys that sign mailed links: the first signs, all verify. Empty in development without
/// configuration: the server then keeps a key of its own in the database (never in production).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LinkKeys(Vec<Vec<u8>>);

impl fmt::Debug for LinkKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LinkKeys({} key(s))", self.0.len())
    }
}

impl LinkKeys {
    /// Keys from their text (one per item); each must be at least 32 characters.
    pub fn from_texts<I: IntoIterator<Item = S>, S: AsRef<str>>(texts: I) -> Result<Self, String> {
        let mut keys = Vec::new();
        for (index, text) in texts.into_iter().enumerate() {
            let text = text.as_ref().trim();
            if text.is_empty() {
                continue;
            }
            if text.chars().count() < 32 {
                return Err(format!(
                    "link key {} is {} characters long; use at least 32 random characters",
                    index + 1,
                    text.chars().count()
                ));
            }
            keys.push(text.as_bytes().to_vec());
        }
        Ok(Self(keys))
    }

    /// From `--link-keys` or `--link-keys-file` (the file wins when both are given).
    pub fn from_args(args: &LinkKeyArgs) -> Result<Self, String> {
        if let Some(path) = &args.link_keys_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read REGISTRAR_LINK_KEYS_FILE {path}: {e}"))?;
            return Self::from_texts(text.lines());
        }
        Self::from_texts(args.link_keys.as_deref().unwrap_or_default().split(','))
    }

    /// The key that signs new links.
    #[must_use]
    pub fn signing(&self) -> Option<&[u8]> {
        self.0.first().map(Vec::as_slice)
    }

    /// Every key that verifies a link, newest first.
    #[must_use]
    pub fn verifying(&self) -> &[Vec<u8>] {
        &self.0
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Account deletion settings (Open edX's names), shared by `serve` and the retirement commands.
#[derive(Debug, Clone, Args)]
pub struct RetirementArgs {
    /// The retirement states, comma-separated: PENDING first; ERRORED, ABORTED, COMPLETE last; every
    /// RETIRING_X followed by X_COMPLETE. Default: Registrar's own stages under Open edX's names.
    #[arg(long, env = "RETIREMENT_STATES", global = true)]
    pub retirement_states: Option<String>,
    /// Every salt ever used to hash retired names, oldest first, comma-separated or a JSON list; the
    /// last one hashes new retirements. Required outside development.
    #[arg(long, env = "RETIRED_USER_SALTS", global = true)]
    pub retired_user_salts: Option<String>,
    #[arg(long, env = "RETIRED_USERNAME_PREFIX", default_value = "retired__user_", global = true)]
    pub retired_username_prefix: String,
    #[arg(long, env = "RETIRED_EMAIL_PREFIX", default_value = "retired__user_", global = true)]
    pub retired_email_prefix: String,
    #[arg(long, env = "RETIRED_EMAIL_DOMAIN", default_value = "retired.invalid", global = true)]
    pub retired_email_domain: String,
    /// Overrides PREFIX + '{}' (the hash replaces '{}').
    #[arg(long, env = "RETIRED_USERNAME_FMT", global = true)]
    pub retired_username_fmt: Option<String>,
    /// Overrides PREFIX + '{}@' + DOMAIN.
    #[arg(long, env = "RETIRED_EMAIL_FMT", global = true)]
    pub retired_email_fmt: Option<String>,
    /// Days between a deletion request and the deletion, during which it can be cancelled.
    #[arg(long, env = "RETIREMENT_COOL_OFF_DAYS", default_value_t = 14, global = true)]
    pub retirement_cool_off_days: u32,
    /// Days after completion before a retirement's own record (original names) is redacted.
    #[arg(long, env = "RETIREMENT_CLEANUP_DAYS", default_value_t = 30, global = true)]
    pub retirement_cleanup_days: u32,
    /// The user that drives retirements through the service API.
    #[arg(
        long,
        env = "RETIREMENT_SERVICE_WORKER_USERNAME",
        default_value = "RETIREMENT_SERVICE_USER",
        global = true
    )]
    pub retirement_service_worker_username: String,
    /// How long a retired username or email stays unavailable: 'forever' or a number of days.
    #[arg(long, env = "RETIRED_IDENTITY_REUSE", default_value = "forever", global = true)]
    pub retired_identity_reuse: String,
    /// Run the retirement stages in this server's worker (turn off when an external driver does).
    #[arg(long, env = "REGISTRAR_RETIREMENT_WORKER", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub retirement_worker: bool,
}

// The web server's flags. (No doc comment: clap would take it as the about of `serve`.)
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// The public URL users reach (e.g. https://registrar.example.org). Sets the Secure cookie flag
    /// for https and is the origin state-changing requests must come from.
    #[arg(long, env = "REGISTRAR_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Trust X-Forwarded-For from a reverse proxy for the client address.
    #[arg(long, env = "REGISTRAR_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,
    /// How long a sign-in lasts, in days.
    #[arg(long, env = "REGISTRAR_SESSION_DAYS", default_value_t = 14)]
    pub session_days: u32,
    /// Load the demo data on start (idempotent) and print the demo sign-ins.
    #[arg(long, env = "REGISTRAR_SEED_DEMO", default_value_t = false)]
    pub seed_demo: bool,
    /// New accounts are active at once, without signing agreements (development only).
    #[arg(long, env = "REGISTRAR_NEW_USERS_ACTIVE", default_value_t = false, action = clap::ArgAction::Set)]
    pub new_users_active: bool,
    /// New accounts are set up at once: they become active when they have signed every required
    /// agreement. Off: an admin must invite an account (or its email) first.
    #[arg(long, env = "REGISTRAR_AUTO_SETUP_NEW_USERS", default_value_t = true, action = clap::ArgAction::Set)]
    pub auto_setup_new_users: bool,
    /// The first account on an empty site becomes an active superuser.
    #[arg(long, env = "REGISTRAR_FIRST_USER_SUPERUSER", default_value_t = false, action = clap::ArgAction::Set)]
    pub first_user_superuser: bool,
    /// SMTP server for outgoing mail (`smtp://host:25`, `smtps://user:pass@host`). Without it, mail
    /// waits in the outbox.
    #[arg(long, env = "REGISTRAR_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The From address of outgoing mail.
    #[arg(long, env = "REGISTRAR_MAIL_FROM", default_value = "Registrar <registrar@localhost>")]
    pub mail_from: String,
    /// Enrollment notices ("Notify") one course may send per day, all its staff together.
    #[arg(long, env = "REGISTRAR_NOTIFY_MAILS_PER_COURSE_PER_DAY", default_value_t = 2_000)]
    pub notify_mails_per_course_per_day: u32,
    /// Staff and superusers must set up two-step sign-in before the console opens to them.
    #[arg(long, env = "REGISTRAR_REQUIRE_2FA_FOR_STAFF", default_value_t = false, action = clap::ArgAction::Set)]
    pub require_2fa_for_staff: bool,
    /// Directory with the compiled site (pkg/, CSS, public assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
}

/// Everything `registrar serve` runs with, read once at start ([`Config::from_args`]).
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    pub server: ServerConfig,
    pub auth: AuthPolicy,
    pub retirement: RetirementSettings,
    pub mail: MailConfig,
    /// Load the demo data on start (idempotent) and print the demo sign-ins.
    pub seed_demo: bool,
}

/// Where the web server listens, what it calls itself and which requests it trusts.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub addr: SocketAddr,
    /// The public URL users reach, as given.
    pub public_url: Option<String>,
    /// The public URL's origin (`scheme://host[:port]`): state-changing requests must come from it.
    pub public_origin: Option<String>,
    /// Where links in mail point: the public URL, or `http://ADDR`.
    pub site_url: String,
    /// A site others reach: a public URL that is not on this machine.
    pub production: bool,
    /// Take the client address from `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// The compiled site (pkg/, CSS, public assets).
    pub site_root: String,
    pub leptos: LeptosConfig,
}

impl ServerConfig {
    /// The Leptos options this server renders with.
    #[must_use]
    pub fn leptos_options(&self) -> LeptosOptions {
        self.leptos.options(self.addr, &self.site_root)
    }
}

/// Outgoing mail. `Debug` does not show the SMTP URL (it may hold a password).
#[derive(Clone)]
pub struct MailConfig {
    /// SMTP server; without it mail waits in the outbox.
    pub smtp_url: Option<String>,
    /// The From address.
    pub from: String,
}

impl fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<set>"))
            .field("from", &self.from)
            .finish()
    }
}

/// What cargo-leptos tells the server about the compiled site (`LEPTOS_OUTPUT_NAME`,
/// `LEPTOS_SITE_PKG_DIR`, `LEPTOS_RELOAD_PORT`), with Registrar's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeptosConfig {
    pub output_name: String,
    pub site_pkg_dir: String,
    pub reload_port: u32,
}

impl LeptosConfig {
    /// Read from the environment. Not clap arguments: an unset, unreadable or (for the port)
    /// unparsable variable falls back to the default instead of stopping the server.
    #[must_use]
    pub fn from_env() -> Self {
        let env = |key: &str, default: &str| std::env::var(key).unwrap_or_else(|_| default.to_owned());
        Self {
            output_name: env("LEPTOS_OUTPUT_NAME", "registrar"),
            site_pkg_dir: env("LEPTOS_SITE_PKG_DIR", "pkg"),
            reload_port: env("LEPTOS_RELOAD_PORT", "3001").parse::<u32>().unwrap_or(3001),
        }
    }

    /// The Leptos options for a server on `addr` serving the site in `site_root`.
    #[must_use]
    pub fn options(&self, addr: SocketAddr, site_root: &str) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(self.output_name.clone())
            .site_root(site_root)
            .site_pkg_dir(self.site_pkg_dir.clone())
            .site_addr(addr)
            .reload_port(self.reload_port)
            .build()
    }
}

/// Leptos options from the environment cargo-leptos sets, with our defaults.
#[must_use]
pub fn leptos_options(addr: SocketAddr, site_root: &str) -> LeptosOptions {
    LeptosConfig::from_env().options(addr, site_root)
}

impl Config {
    /// The settings `serve` runs with, or a message naming the setting and the rule it breaks.
    pub fn from_args(
        database: &DatabaseArgs,
        serve: &ServeArgs,
        retirement: &RetirementArgs,
        link_keys: LinkKeys,
    ) -> Result<Self, String> {
        let retirement = RetirementSettings::from_args(retirement)?;
        let public_url = serve.public_url.clone();
        // Development is a site nobody else reaches: no public URL, or one on this machine.
        let production = public_url.as_deref().is_some_and(reached_by_others);

        if production && retirement.names.uses_default_salts() {
            return Err(
                "RETIRED_USER_SALTS is unset or still holds Open edX's published default salts (abc, 123); \
                    set your own secret salts (keep every old one, newest last) before serving a public site"
                    .to_owned(),
            );
        }
        // Mailed links must not be forgeable from the database wherever others can reach the
        // server: a public URL elsewhere, or listening beyond this machine.
        if (production || !serve.addr.ip().is_loopback()) && link_keys.is_empty() {
            return Err(
                "REGISTRAR_LINK_KEYS (or REGISTRAR_LINK_KEYS_FILE) is unset: set at least one random key of 32 \
                 or more characters to sign mailed links before serving a public site or listening beyond \
                 this machine"
                    .to_owned(),
            );
        }
        let https = public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
        let auth = AuthPolicy {
            session_ttl_ms: i64::from(serve.session_days.max(1)) * 86_400_000,
            cookie_secure: https,
            activation: registrar::activation::ActivationPolicy {
                new_users_active: serve.new_users_active,
                auto_setup: serve.auto_setup_new_users,
                first_user_superuser: serve.first_user_superuser,
            },
            link_keys,
            notify_per_course_per_day: i64::from(serve.notify_mails_per_course_per_day),
            second_factor_for_staff: serve.require_2fa_for_staff,
            ..AuthPolicy::default()
        };
        let server = ServerConfig {
            addr: serve.addr,
            public_origin: public_url.as_deref().map(origin_of),
            site_url: public_url.clone().unwrap_or_else(|| format!("http://{}", serve.addr)),
            public_url,
            production,
            trust_proxy: serve.trust_proxy,
            site_root: serve.site_root.clone(),
            leptos: LeptosConfig::from_env(),
        };
        Ok(Self {
            database_url: database.database_url.clone(),
            server,
            auth,
            retirement,
            mail: MailConfig { smtp_url: serve.smtp_url.clone(), from: serve.mail_from.clone() },
            seed_demo: serve.seed_demo,
        })
    }

    /// Refuse the demo data (with its published passwords) on a public https site. `serve` asks once
    /// the database is open, as it always has.
    pub fn check_seed_demo(&self) -> Result<(), String> {
        let https = self.server.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
        if self.seed_demo && https {
            return Err(
                "refusing to load the demo data (with its published passwords) on a public https site; \
                        unset REGISTRAR_SEED_DEMO"
                    .to_owned(),
            );
        }
        Ok(())
    }
}

/// Whether a public URL names a host other than this machine.
fn reached_by_others(url: &str) -> bool {
    let host =
        url.split_once("://").map_or(url, |(_, rest)| rest).split(['/', ':']).next().unwrap_or_default();
    !matches!(host, "localhost" | "127.0.0.1" | "[" | "")
}

/// A URL's origin: `scheme://host[:port]`, without path or trailing slash.
fn origin_of(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    match trimmed.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest)),
        None => trimmed.to_owned(),
    }
}

/// Sign-in and session policy.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    /// How long a session lives.
    pub session_ttl_ms: i64,
    /// Mark the cookie `Secure` (served over https).
    pub cookie_secure: bool,
    /// Failed sign-ins of one account from one address before each try must wait (2 s, 4 s, …).
    pub free_failures: i64,
    /// Failed sign-ins of one account from every address together (in the account window) before
    /// it takes no password and its owner is mailed an unlock link.
    pub account_failures: i64,
    /// How long the account window (and so the alarm, and the waits' memory) lasts.
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
    /// The keys that sign mailed links (empty: development's key in the database).
    pub link_keys: LinkKeys,
    /// Enrollment notices ("Notify") one course may send per day, all its staff together.
    pub notify_per_course_per_day: i64,
    /// Staff and superusers must set up a second factor before the console opens.
    pub second_factor_for_staff: bool,
}

impl AuthPolicy {
    /// The sign-in throttling rules these settings make.
    #[must_use]
    pub fn throttle(&self) -> registrar::throttle::ThrottlePolicy {
        registrar::throttle::ThrottlePolicy {
            free_failures: self.free_failures,
            max_wait_ms: self.account_window_ms,
            account_alarm: self.account_failures,
            address_failures: self.ip_failures,
        }
    }
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            session_ttl_ms: 14 * 24 * 3_600_000,
            cookie_secure: false,
            free_failures: 3,
            account_failures: 20,
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
            link_keys: LinkKeys::default(),
            notify_per_course_per_day: 2_000,
            second_factor_for_staff: false,
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

impl RetirementSettings {
    /// The validated settings, or a message naming the setting and the rule it breaks.
    pub fn from_args(args: &RetirementArgs) -> Result<Self, String> {
        let states = match &args.retirement_states {
            Some(text) => StateList::parse(text).map_err(|e| format!("RETIREMENT_STATES: {e}"))?,
            None => StateList::default_list(),
        };
        let salts: Vec<String> = match args.retired_user_salts.as_deref().map(str::trim) {
            None => DEFAULT_SALTS.iter().map(|s| (*s).to_owned()).collect(),
            Some(text) if text.starts_with('[') => serde_json::from_str(text)
                .map_err(|e| format!("RETIRED_USER_SALTS is not a JSON list of strings: {e}"))?,
            Some(text) => text.split(',').map(|s| s.trim().to_owned()).collect(),
        };
        let username_fmt = args
            .retired_username_fmt
            .clone()
            .unwrap_or_else(|| RetiredNames::username_fmt(&args.retired_username_prefix));
        let email_fmt = args.retired_email_fmt.clone().unwrap_or_else(|| {
            RetiredNames::email_fmt(&args.retired_email_prefix, &args.retired_email_domain)
        });
        let names = RetiredNames::new(&username_fmt, &email_fmt, salts).map_err(|e| e.to_string())?;
        let reuse = ReusePolicy::parse(&args.retired_identity_reuse)
            .map_err(|e| format!("RETIRED_IDENTITY_REUSE: {e}"))?;
        Ok(Self {
            states,
            names,
            cool_off_days: args.retirement_cool_off_days,
            cleanup_days: args.retirement_cleanup_days,
            service_username: args.retirement_service_worker_username.trim().to_owned(),
            reuse,
            builtin_worker: args.retirement_worker,
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Flags {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        retirement: RetirementArgs,
        #[command(flatten)]
        serve: ServeArgs,
        #[command(flatten)]
        keys: LinkKeyArgs,
    }

    const KEY: &str = "a-link-key-of-at-least-32-characters";

    fn config(args: &[&str]) -> Result<Config, String> {
        let flags = Flags::try_parse_from(std::iter::once("registrar").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        Config::from_args(&flags.database, &flags.serve, &flags.retirement, LinkKeys::from_args(&flags.keys)?)
    }

    #[test]
    fn a_public_site_without_link_keys_is_refused_and_short_keys_are_named() {
        let refused =
            config(&["--public-url", "https://r.example.org", "--retired-user-salts", "x"]).unwrap_err();
        assert!(refused.starts_with("REGISTRAR_LINK_KEYS"), "{refused}");
        let listening = config(&["--addr", "0.0.0.0:3000"]).unwrap_err();
        assert!(listening.starts_with("REGISTRAR_LINK_KEYS"), "{listening}");
        assert!(config(&["--addr", "0.0.0.0:3000", "--link-keys", KEY]).is_ok());
        let short = config(&["--link-keys", &format!("{KEY},short")]).unwrap_err();
        assert!(short.contains("link key 2 is 5 characters"), "{short}");
        let rotated = config(&["--link-keys", &format!("{KEY}-new , {KEY}")]).unwrap();
        assert_eq!(rotated.auth.link_keys.verifying().len(), 2);
        assert_eq!(rotated.auth.link_keys.signing(), Some(format!("{KEY}-new").as_bytes()));
        assert!(!format!("{:?}", rotated.auth).contains(KEY), "keys stay out of logs");
    }

    #[test]
    fn a_public_https_site_gets_secure_cookies_its_origin_and_its_links() {
        let c = config(&[
            "--public-url",
            "https://registrar.example.org/app/",
            "--retired-user-salts",
            "s1,s2",
            "--link-keys",
            KEY,
        ])
        .unwrap();
        assert!(c.server.production && c.auth.cookie_secure);
        assert_eq!(c.server.public_origin.as_deref(), Some("https://registrar.example.org"));
        assert_eq!(c.server.site_url, "https://registrar.example.org/app/");
        assert!(!c.retirement.names.uses_default_salts());
    }

    #[test]
    fn a_public_site_with_the_default_salts_is_refused_but_one_on_this_machine_is_not() {
        let refused = config(&["--public-url", "https://registrar.example.org"]).unwrap_err();
        assert!(refused.starts_with("RETIRED_USER_SALTS is unset"), "{refused}");
        for local in ["http://localhost:3000", "http://127.0.0.1/", "http://[::1]:3000"] {
            let c = config(&["--public-url", local]).unwrap();
            assert!(!c.server.production && !c.auth.cookie_secure, "{local}");
        }
    }

    #[test]
    fn sessions_last_at_least_a_day_and_settings_name_the_rule_they_break() {
        let c = config(&["--session-days", "0", "--addr", "127.0.0.1:8080"]).unwrap();
        assert_eq!(c.auth.session_ttl_ms, 86_400_000);
        assert_eq!(c.server.site_url, "http://127.0.0.1:8080");
        assert!(config(&["--retirement-states", "PENDING"]).unwrap_err().starts_with("RETIREMENT_STATES: "));
        assert!(config(&["--retired-identity-reuse", "soon"])
            .unwrap_err()
            .starts_with("RETIRED_IDENTITY_REUSE: "));
    }

    #[test]
    fn the_demo_data_is_refused_on_a_public_https_site() {
        let c = config(&[
            "--seed-demo",
            "--public-url",
            "https://r.example.org",
            "--retired-user-salts",
            "x",
            "--link-keys",
            KEY,
        ])
        .unwrap();
        assert!(c.check_seed_demo().unwrap_err().contains("unset REGISTRAR_SEED_DEMO"));
        assert!(config(&["--seed-demo", "--public-url", "http://localhost:3000"])
            .unwrap()
            .check_seed_demo()
            .is_ok());
    }

    #[test]
    fn debug_output_hides_the_smtp_url() {
        let mail =
            MailConfig { smtp_url: Some("smtps://u:secret@host".to_owned()), from: "a@b.c".to_owned() };
        assert!(!format!("{mail:?}").contains("secret"));
    }
}
