//! The `registrar` command line: `serve` (the default), `migrate`, `seed-demo`, `manage-user`,
//! `create-token`, `bench`, `populate-retirement-states`, `retire-user`, `cancel-retirement`,
//! `create-oauth-client`. Each command uses the same use cases as the web UI, through the Gate as a named
//! system principal, and exits non-zero with a clear message when something is wrong.

use crate::backend::{AuthPolicy, ServerBackend};
use crate::http::{origin::OriginPolicy, router, AppState};
use crate::store::Db;
use app::gate::Gate;
use app::model::ManageUser;
use app::ports::SharedBackend;
use clap::{Args, Parser, Subcommand};
use leptos::config::LeptosOptions;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

/// Registrar: people-and-records administration for a learning platform.
#[derive(Debug, Parser)]
#[command(name = "registrar", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Database to use: `sqlite://PATH` (created if missing) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/registrar.db", global = true)]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub retirement: RetirementArgs,

    /// With no command, `registrar` serves (the options of `serve` apply).
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the web application (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo organizations, courses, users and roles (idempotent) and print the demo sign-ins.
    SeedDemo,
    /// Create or update a user account and print what changed.
    ManageUser(ManageUserArgs),
    /// Issue a bearer token for a user and print it (once).
    CreateToken(CreateTokenArgs),
    /// Measure the performance targets on scratch databases (never the configured one) and print a table.
    Bench(BenchArgs),
    /// Sync the stored retirement states with RETIREMENT_STATES and print the differences.
    PopulateRetirementStates(PopulateArgs),
    /// Queue an account for deletion (no cool-off mail; the cool-off still applies).
    RetireUser(RetireUserArgs),
    /// Cancel a retirement still in its cool-off, by the learner's original email.
    CancelRetirement(CancelRetirementArgs),
    /// Create an OAuth2 client (client credentials grant) acting as a user; prints the id and secret once.
    CreateOauthClient(CreateOauthClientArgs),
    /// Give a role at a scope to one or more accounts (by username or email).
    GrantRole(RoleArgs),
    /// Take a role at a scope away from one or more accounts.
    RevokeRole(RoleArgs),
    /// Invite emails (optionally with a role and a last day); each gets a mail with the sign-up link.
    Invite(InviteArgs),
    /// Deactivate accounts: sessions and tokens end, flags, roles and groups go, sign-in is refused.
    DeactivateUser(DeactivateArgs),
    /// Write the audit log (filtered) as CSV to a file or standard output.
    ExportAudit(ExportAuditArgs),
    /// Create a site or change its configuration (fields not given keep their value) and print it.
    CreateOrUpdateSite(Box<SiteArgs>),
}

/// A site's configuration, as Open edX's `create_or_update_site` takes it.
#[derive(Debug, Args)]
pub struct SiteArgs {
    /// The site's domain (its key), e.g. records.example.edu.
    #[arg(long)]
    pub site_domain: String,
    /// The site's name (default: the domain).
    #[arg(long)]
    pub site_name: Option<String>,
    /// The platform name shown in record headers, CSV files and mail.
    #[arg(long)]
    pub platform_name: Option<String>,
    /// Learner records on or off (off: records, public links and CSV answer 404).
    #[arg(long)]
    pub records_enabled: Option<bool>,
    /// Where "Learn more about records" points.
    #[arg(long)]
    pub records_help_url: Option<String>,
    /// The From address of pathway mail (default: no-reply@<domain>).
    #[arg(long)]
    pub partner_from_address: Option<String>,
    #[arg(long)]
    pub lms_url_root: Option<String>,
    #[arg(long)]
    pub catalog_api_url: Option<String>,
    #[arg(long)]
    pub theme_name: Option<String>,
    #[arg(long)]
    pub company_name: Option<String>,
    #[arg(long)]
    pub homepage_url: Option<String>,
    #[arg(long)]
    pub tos_url: Option<String>,
    #[arg(long)]
    pub privacy_policy_url: Option<String>,
    #[arg(long)]
    pub certificate_help_url: Option<String>,
    /// At most 15 characters.
    #[arg(long)]
    pub twitter_username: Option<String>,
    #[arg(long)]
    pub facebook_app_id: Option<String>,
    #[arg(long)]
    pub enable_facebook_sharing: Option<bool>,
    #[arg(long)]
    pub enable_linkedin_sharing: Option<bool>,
    #[arg(long)]
    pub enable_twitter_sharing: Option<bool>,
}

impl SiteArgs {
    /// The configuration these arguments make from `current` (an existing site's, or defaults).
    fn apply(self, current: Option<app::model::records::SiteConfig>) -> app::model::records::SiteConfig {
        let domain = self.site_domain.trim().to_ascii_lowercase();
        let mut c = current.unwrap_or_else(|| app::model::records::SiteConfig {
            domain: domain.clone(),
            name: domain.clone(),
            platform_name: "Registrar".to_owned(),
            records_enabled: true,
            theme_name: "openedx".to_owned(),
            enable_linkedin_sharing: true,
            enable_twitter_sharing: true,
            ..app::model::records::SiteConfig::default()
        });
        c.domain = domain;
        let set = |field: &mut String, value: Option<String>| {
            if let Some(v) = value {
                *field = v;
            }
        };
        set(&mut c.name, self.site_name);
        set(&mut c.platform_name, self.platform_name);
        set(&mut c.records_help_url, self.records_help_url);
        set(&mut c.partner_from_address, self.partner_from_address);
        set(&mut c.lms_url_root, self.lms_url_root);
        set(&mut c.catalog_api_url, self.catalog_api_url);
        set(&mut c.theme_name, self.theme_name);
        set(&mut c.company_name, self.company_name);
        set(&mut c.homepage_url, self.homepage_url);
        set(&mut c.tos_url, self.tos_url);
        set(&mut c.privacy_policy_url, self.privacy_policy_url);
        set(&mut c.certificate_help_url, self.certificate_help_url);
        set(&mut c.twitter_username, self.twitter_username);
        set(&mut c.facebook_app_id, self.facebook_app_id);
        c.records_enabled = self.records_enabled.unwrap_or(c.records_enabled);
        c.enable_facebook_sharing = self.enable_facebook_sharing.unwrap_or(c.enable_facebook_sharing);
        c.enable_linkedin_sharing = self.enable_linkedin_sharing.unwrap_or(c.enable_linkedin_sharing);
        c.enable_twitter_sharing = self.enable_twitter_sharing.unwrap_or(c.enable_twitter_sharing);
        c
    }
}

#[derive(Debug, Args)]
pub struct PopulateArgs {
    /// Show what would change without changing anything.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct RetireUserArgs {
    /// The username or email of the account.
    pub identifier: String,
}

#[derive(Debug, Args)]
pub struct CancelRetirementArgs {
    /// The email the account had when deletion was requested.
    pub email: String,
}

#[derive(Debug, Args)]
pub struct CreateOauthClientArgs {
    /// A name to recognise the client by (e.g. "retirement").
    pub name: String,
    /// The user the client acts as (e.g. the retirement service user).
    pub username: String,
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

impl RetirementArgs {
    /// The validated settings, or a message naming the setting and the rule it breaks.
    pub fn settings(&self) -> Result<crate::retirement::RetirementSettings, String> {
        use registrar::retirement::{RetiredNames, ReusePolicy, StateList, DEFAULT_SALTS};
        let states = match &self.retirement_states {
            Some(text) => StateList::parse(text).map_err(|e| format!("RETIREMENT_STATES: {e}"))?,
            None => StateList::default_list(),
        };
        let salts: Vec<String> = match self.retired_user_salts.as_deref().map(str::trim) {
            None => DEFAULT_SALTS.iter().map(|s| (*s).to_owned()).collect(),
            Some(text) if text.starts_with('[') => serde_json::from_str(text)
                .map_err(|e| format!("RETIRED_USER_SALTS is not a JSON list of strings: {e}"))?,
            Some(text) => text.split(',').map(|s| s.trim().to_owned()).collect(),
        };
        let username_fmt = self
            .retired_username_fmt
            .clone()
            .unwrap_or_else(|| RetiredNames::username_fmt(&self.retired_username_prefix));
        let email_fmt = self.retired_email_fmt.clone().unwrap_or_else(|| {
            RetiredNames::email_fmt(&self.retired_email_prefix, &self.retired_email_domain)
        });
        let names = RetiredNames::new(&username_fmt, &email_fmt, salts).map_err(|e| e.to_string())?;
        let reuse = ReusePolicy::parse(&self.retired_identity_reuse)
            .map_err(|e| format!("RETIRED_IDENTITY_REUSE: {e}"))?;
        Ok(crate::retirement::RetirementSettings {
            states,
            names,
            cool_off_days: self.retirement_cool_off_days,
            cleanup_days: self.retirement_cleanup_days,
            service_username: self.retirement_service_worker_username.trim().to_owned(),
            reuse,
            builtin_worker: self.retirement_worker,
            ..Default::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Also measure PostgreSQL, in a scratch database created (and dropped) through this URL.
    #[arg(long, env = "REGISTRAR_BENCH_PG_URL")]
    pub postgres: Option<String>,
    /// Measure only this part: `core` (membership, sharing, retirement, records) or `console`.
    #[arg(long, value_parser = ["core", "console"])]
    pub only: Option<String>,
}

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
    /// Directory with the compiled site (pkg/, CSS, public assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
}

#[derive(Debug, Args)]
pub struct ManageUserArgs {
    /// The username (created if it does not exist).
    pub username: String,
    /// The email; must match the existing account's email when updating.
    pub email: String,
    /// Full name for a new account (defaults to the username).
    #[arg(long)]
    pub full_name: Option<String>,
    /// Make the user global staff (otherwise staff is removed).
    #[arg(long)]
    pub staff: bool,
    /// Make the user a superuser (otherwise superuser is removed).
    #[arg(long)]
    pub superuser: bool,
    /// Make the password unusable.
    #[arg(long, conflicts_with = "password_stdin")]
    pub unusable_password: bool,
    /// Read a new password from standard input (one line; only the line break is removed).
    #[arg(long)]
    pub password_stdin: bool,
    /// Put the user in exactly these groups (repeat it; each group must exist). Without it, groups stay.
    #[arg(long = "group", value_name = "NAME")]
    pub groups: Vec<String>,
    /// Leave every group.
    #[arg(long, conflicts_with = "groups")]
    pub no_groups: bool,
}

#[derive(Debug, Args)]
pub struct RoleArgs {
    /// The role: instructor, staff, limited_staff, beta_testers, data_researcher, course_creator_group,
    /// org_course_creator_group, support, Administrator, Moderator, "Group Moderator", "Community TA".
    #[arg(long)]
    pub role: String,
    /// Where: global, an org key (DemoX) or a course key (course-v1:DemoX+CS101+2026_T1).
    #[arg(long, default_value = "global")]
    pub scope: String,
    /// The last day the role holds (YYYY-MM-DD; grant-role only).
    #[arg(long)]
    pub expires: Option<String>,
    /// Print what would change and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Usernames or emails.
    #[arg(required = true)]
    pub users: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InviteArgs {
    /// An optional role the account gets when it registers.
    #[arg(long)]
    pub role: Option<String>,
    /// Where the role applies: global, an org key or a course key.
    #[arg(long, default_value = "global")]
    pub scope: String,
    /// The invitation's last day (YYYY-MM-DD).
    #[arg(long)]
    pub expires: Option<String>,
    /// The emails to invite.
    #[arg(required = true)]
    pub emails: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DeactivateArgs {
    /// Why (kept in the audit log).
    #[arg(long, default_value = "")]
    pub reason: String,
    /// Print what would change for each account and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Usernames.
    #[arg(required = true)]
    pub usernames: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExportAuditArgs {
    /// Only what this account did (username or email, or system:<name>).
    #[arg(long, default_value = "")]
    pub actor: String,
    /// Only entries about this target (username or email, type:id, or an id).
    #[arg(long, default_value = "")]
    pub target: String,
    /// Only this action (user.deactivate, role.grant, …).
    #[arg(long, default_value = "")]
    pub action: String,
    /// Only this scope.
    #[arg(long, default_value = "")]
    pub scope: String,
    /// From this day (YYYY-MM-DD, UTC).
    #[arg(long, default_value = "")]
    pub from: String,
    /// To this day, included.
    #[arg(long, default_value = "")]
    pub to: String,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct CreateTokenArgs {
    /// The user the token acts as.
    pub username: String,
    /// A name to recognise the token by (e.g. the service using it).
    #[arg(long)]
    pub name: String,
    /// Days until the token expires (never, if omitted).
    #[arg(long)]
    pub days: Option<u32>,
}

/// Parse the command line and run; the process exit code.
pub fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,leptos_axum=warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

async fn open_db(url: &str) -> Result<Db, String> {
    Db::open(url).await.map_err(|e| e.to_string())
}

fn system_backend(db: Db) -> SharedBackend {
    Arc::new(ServerBackend::new(db, AuthPolicy::default()))
}

async fn retirement_backend(url: &str, args: &RetirementArgs) -> Result<ServerBackend, String> {
    let settings = args.settings()?;
    let db = open_db(url).await?;
    Ok(ServerBackend::new(db, AuthPolicy::default()).with_retirement(settings))
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        None => serve(&cli.database_url, cli.serve, &cli.retirement).await,
        Some(Command::Serve(args)) => serve(&cli.database_url, args, &cli.retirement).await,
        Some(Command::PopulateRetirementStates(args)) => {
            let backend = retirement_backend(&cli.database_url, &cli.retirement).await?;
            let (_, system) =
                Gate::system(system_backend(backend.db().clone()), "populate-retirement-states");
            let sync = backend.populate_states(&system, args.dry_run).await.map_err(|e| e.message)?;
            print_state_sync(&sync);
            Ok(())
        }
        Some(Command::RetireUser(args)) => {
            let backend = retirement_backend(&cli.database_url, &cli.retirement).await?;
            let (_, system) = Gate::system(system_backend(backend.db().clone()), "retire-user");
            let status =
                backend.retire_user_command(&system, &args.identifier).await.map_err(|e| e.message)?;
            println!(
                "Queued {} for deletion on {} (retirement {}); it can be cancelled until then with \
                 `registrar cancel-retirement {}`.",
                status.original_username,
                app::model::format_date(status.due_at),
                status.id,
                status.original_email
            );
            Ok(())
        }
        Some(Command::CancelRetirement(args)) => {
            let backend = retirement_backend(&cli.database_url, &cli.retirement).await?;
            let (_, system) = Gate::system(system_backend(backend.db().clone()), "cancel-retirement");
            backend.cancel_retirement_command(&system, &args.email).await.map_err(|e| e.message)?;
            println!(
                "Successfully cancelled retirement request for user with email address '{}'.",
                args.email.trim()
            );
            Ok(())
        }
        Some(Command::CreateOrUpdateSite(args)) => {
            use app::ports::Records as _;
            let db = open_db(&cli.database_url).await?;
            let existing =
                crate::store::credentials::site_by_domain(&db, &args.site_domain.trim().to_ascii_lowercase())
                    .await
                    .map_err(|e| format!("cannot read the sites: {e}"))?
                    .map(|s| s.config());
            let config = (*args).apply(existing);
            let backend = ServerBackend::new(db.clone(), AuthPolicy::default());
            let (_, system) = Gate::system(system_backend(db), "create-or-update-site");
            let created =
                backend.create_or_update_site(&system, config.clone()).await.map_err(|e| e.message)?;
            println!("{} site {}", if created { "Created" } else { "Updated" }, config.domain);
            for (name, value) in [
                ("site name", config.name),
                ("platform name", config.platform_name),
                ("records enabled", config.records_enabled.to_string()),
                ("records help URL", config.records_help_url),
                ("partner From address", config.partner_from_address),
                ("theme", config.theme_name),
            ] {
                println!("  {name}: {value}");
            }
            Ok(())
        }
        Some(Command::CreateOauthClient(args)) => {
            let backend = retirement_backend(&cli.database_url, &cli.retirement).await?;
            let (_, system) = Gate::system(system_backend(backend.db().clone()), "create-oauth-client");
            let (id, secret) = backend
                .create_oauth_client(&system, &args.name, &args.username)
                .await
                .map_err(|e| e.message)?;
            println!("client_id: {id}");
            println!("client_secret: {secret}");
            eprintln!(
                "OAuth2 client '{}' acting as {}. The secret is shown only this once; store it safely. Get a \
                 token with POST /oauth2/access_token (grant_type=client_credentials).",
                args.name, args.username
            );
            Ok(())
        }
        Some(Command::Migrate) => {
            open_db(&cli.database_url).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Some(Command::SeedDemo) => {
            let db = open_db(&cli.database_url).await?;
            let summary = crate::seed::seed_demo(&db, true).await.map_err(|e| e.to_string())?;
            println!("{summary}");
            Ok(())
        }
        Some(Command::ManageUser(args)) => manage_user(&cli.database_url, args).await,
        Some(Command::GrantRole(args)) => change_roles(&cli.database_url, args, true).await,
        Some(Command::RevokeRole(args)) => change_roles(&cli.database_url, args, false).await,
        Some(Command::Invite(args)) => invite(&cli.database_url, args).await,
        Some(Command::DeactivateUser(args)) => deactivate_users(&cli.database_url, args).await,
        Some(Command::ExportAudit(args)) => export_audit(&cli.database_url, args).await,
        Some(Command::CreateToken(args)) => create_token(&cli.database_url, args).await,
        Some(Command::Bench(args)) => {
            let only = args.only.as_deref();
            if only != Some("console") {
                let numbers = crate::bench::run(args.postgres.as_deref()).await?;
                crate::bench::print(&numbers);
                println!();
            }
            if only != Some("core") {
                let numbers = crate::bench::run_console(args.postgres.as_deref()).await?;
                crate::bench::print_console(&numbers);
            }
            Ok(())
        }
    }
}

async fn manage_user(url: &str, args: ManageUserArgs) -> Result<(), String> {
    let password = if args.password_stdin {
        let line = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().read_to_string(&mut line).map(|_| line)
        })
        .await
        .map_err(|e| format!("cannot read the password: {e}"))?
        .map_err(|e| format!("cannot read the password: {e}"))?;
        let line = line.strip_suffix('\n').unwrap_or(&line);
        Some(line.strip_suffix('\r').unwrap_or(line).to_owned())
    } else {
        None
    };
    let db = open_db(url).await?;
    let (gate, admin) = Gate::system(system_backend(db), "manage-user");
    let request = ManageUser {
        username: args.username.clone(),
        email: args.email,
        full_name: args.full_name,
        is_staff: args.staff,
        is_superuser: args.superuser,
        password,
        unusable_password: args.unusable_password,
        groups: (args.no_groups || !args.groups.is_empty()).then_some(args.groups),
    };
    let report = gate.backend().manage_user(&admin, request).await.map_err(|e| e.message)?;
    if report.created {
        println!("Created user {}:", args.username);
    } else if report.changes.is_empty() {
        println!("User {} is already as requested; nothing changed.", args.username);
    } else {
        println!("Updated user {}:", args.username);
    }
    for change in report.changes {
        println!("  {change}");
    }
    Ok(())
}

/// `grant-role` / `revoke-role`: each account in turn, a line each; fails (exit 2) if any was
/// refused, after doing the others.
async fn change_roles(url: &str, args: RoleArgs, grant: bool) -> Result<(), String> {
    use app::ports::Console as _;
    let db = open_db(url).await?;
    let backend = ServerBackend::new(db.clone(), AuthPolicy::default());
    let (_, system) = Gate::system(system_backend(db), if grant { "grant-role" } else { "revoke-role" });
    let actor = app::gate::ConsoleActor::from(&system);
    let expires_at =
        registrar::roles::parse_end_date(args.expires.as_deref().unwrap_or_default(), crate::store::now_ms())
            .map_err(|e| e.message)?;
    let mut refused = 0;
    for user in &args.users {
        if args.dry_run {
            let known = crate::store::users::find_by_login(backend.db(), user)
                .await
                .map_err(|e| format!("cannot read the users: {e}"))?;
            match known {
                Some(u) => println!(
                    "{}: would {} {} at {}",
                    u.username,
                    if grant { "give" } else { "take away" },
                    args.role,
                    args.scope
                ),
                None => {
                    refused += 1;
                    println!("{user}: there is no such account");
                }
            }
            continue;
        }
        let result = if grant {
            backend.grant_role(&actor, user, &args.role, &args.scope, expires_at).await
        } else {
            backend.revoke_role(&actor, user, &args.role, &args.scope).await
        };
        match result {
            Ok(()) => println!(
                "{user}: {} {} at {}",
                if grant { "given" } else { "took away" },
                args.role,
                args.scope
            ),
            Err(e) => {
                refused += 1;
                println!("{user}: {}", e.message);
            }
        }
    }
    if args.dry_run {
        println!("Dry run: nothing changed.");
    }
    if refused > 0 {
        return Err(format!("{refused} of {} account(s) refused", args.users.len()));
    }
    Ok(())
}

async fn invite(url: &str, args: InviteArgs) -> Result<(), String> {
    use app::ports::Console as _;
    let db = open_db(url).await?;
    let backend = ServerBackend::new(db.clone(), AuthPolicy::default());
    let (_, system) = Gate::system(system_backend(db), "invite");
    let actor = app::gate::ConsoleActor::from(&system);
    let mut refused = 0;
    for email in &args.emails {
        let request = app::model::console::InvitationRequest {
            email: email.clone(),
            role: args.role.clone().unwrap_or_default(),
            scope: args.scope.clone(),
            expires: args.expires.clone().unwrap_or_default(),
        };
        match backend.invite(&actor, request).await {
            Ok(id) => println!("{email}: invited (invitation {id})"),
            Err(e) => {
                refused += 1;
                println!("{email}: {}", e.message);
            }
        }
    }
    if refused > 0 {
        return Err(format!("{refused} of {} invitation(s) refused", args.emails.len()));
    }
    Ok(())
}

async fn deactivate_users(url: &str, args: DeactivateArgs) -> Result<(), String> {
    use app::ports::Console as _;
    let db = open_db(url).await?;
    let backend = ServerBackend::new(db.clone(), AuthPolicy::default());
    let (_, system) = Gate::system(system_backend(db), "deactivate-user");
    let actor = app::gate::ConsoleActor::from(&system);
    let outcome = backend
        .bulk_users(&actor, "deactivate", &args.usernames, &args.reason, !args.dry_run)
        .await
        .map_err(|e| e.message)?;
    for line in &outcome.lines {
        match &line.refused {
            Some(why) => println!("{}: left alone: {why}", line.username),
            None if args.dry_run => println!("{}: would {}", line.username, line.change.to_lowercase()),
            None => println!("{}: deactivated", line.username),
        }
    }
    let left = outcome.lines.len() - outcome.changing();
    if args.dry_run {
        println!("Dry run: nothing changed ({} would be deactivated).", outcome.changing());
    }
    if left > 0 {
        return Err(format!("{left} of {} account(s) left alone", outcome.lines.len()));
    }
    Ok(())
}

async fn export_audit(url: &str, args: ExportAuditArgs) -> Result<(), String> {
    use app::ports::Console as _;
    let db = open_db(url).await?;
    let backend = ServerBackend::new(db.clone(), AuthPolicy::default());
    let (_, system) = Gate::system(system_backend(db), "export-audit");
    let query = app::model::console::AuditQuery {
        actor: args.actor,
        target: args.target,
        action: args.action,
        scope: args.scope,
        from: args.from,
        to: args.to,
        before: None,
    };
    let file =
        backend.audit_csv(&app::gate::ConsoleActor::from(&system), &query).await.map_err(|e| e.message)?;
    let rows = file.bytes.iter().filter(|b| **b == b'\n').count().saturating_sub(1);
    match args.output {
        Some(path) => {
            std::fs::write(&path, &file.bytes)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!("Wrote {rows} audit entries to {}.", path.display());
        }
        None => {
            std::io::stdout().write_all(&file.bytes).map_err(|e| format!("cannot write the CSV: {e}"))?;
        }
    }
    Ok(())
}

async fn create_token(url: &str, args: CreateTokenArgs) -> Result<(), String> {
    let db = open_db(url).await?;
    let (gate, admin) = Gate::system(system_backend(db), "create-token");
    let expires_at = args.days.map(|d| crate::store::now_ms() + i64::from(d) * 86_400_000);
    let token = gate
        .backend()
        .issue_token(&admin, &args.username, &args.name, expires_at)
        .await
        .map_err(|e| e.message)?;
    println!("{token}");
    eprintln!(
        "Bearer token for {} ('{}'). It is shown only this once; store it safely.",
        args.username, args.name
    );
    Ok(())
}

fn print_state_sync(sync: &app::model::StateSync) {
    let set = |v: &[String]| format!("{{{}}}", v.join(", "));
    if sync.dry_run {
        println!("--- Dry run, no changes will be made ---");
    }
    println!("States have been synchronized. Differences:");
    println!("   Added: {}", set(&sync.added));
    println!("   Removed: {}", set(&sync.removed));
    println!("   Remaining: {}", set(&sync.remaining));
    if sync.dry_run {
        println!("States would be:");
    } else {
        println!("States updated successfully. Current states:");
    }
    for (name, step) in &sync.states {
        println!("{name} (step {step})");
    }
}

/// Leptos options from the environment cargo-leptos sets, with our defaults.
#[must_use]
pub fn leptos_options(addr: SocketAddr, site_root: &str) -> LeptosOptions {
    let env = |key: &str, default: &str| std::env::var(key).unwrap_or_else(|_| default.to_owned());
    LeptosOptions::builder()
        .output_name(env("LEPTOS_OUTPUT_NAME", "registrar"))
        .site_root(site_root)
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(addr)
        .reload_port(env("LEPTOS_RELOAD_PORT", "3001").parse::<u32>().unwrap_or(3001))
        .build()
}

async fn serve(url: &str, args: ServeArgs, retirement: &RetirementArgs) -> Result<(), String> {
    let retirement = retirement.settings()?;
    // Development is a site nobody else reaches: no public URL, or one on this machine.
    let production = args.public_url.as_deref().is_some_and(|u| {
        let host =
            u.split_once("://").map_or(u, |(_, rest)| rest).split(['/', ':']).next().unwrap_or_default();
        !matches!(host, "localhost" | "127.0.0.1" | "[" | "")
    });
    if production && retirement.names.uses_default_salts() {
        return Err(
            "RETIRED_USER_SALTS is unset or still holds Open edX's published default salts (abc, 123); \
                    set your own secret salts (keep every old one, newest last) before serving a public site"
                .to_owned(),
        );
    }
    let mailer = match &args.smtp_url {
        Some(smtp) => Some(crate::mail::Mailer::new(smtp, &args.mail_from).map_err(|e| e.to_string())?),
        None => None,
    };
    let db = open_db(url).await?;
    if args.seed_demo && args.public_url.as_deref().is_some_and(|u| u.starts_with("https://")) {
        return Err("refusing to load the demo data (with its published passwords) on a public https site; \
                    unset REGISTRAR_SEED_DEMO"
            .to_owned());
    }
    let demo = if args.seed_demo {
        Some(crate::seed::seed_demo(&db, false).await.map_err(|e| e.to_string())?)
    } else {
        None
    };
    let secure = args.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
    let public_origin = args.public_url.as_deref().map(|u| {
        let trimmed = u.trim_end_matches('/');
        match trimmed.split_once("://") {
            Some((scheme, rest)) => format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest)),
            None => trimmed.to_owned(),
        }
    });
    let site_url = args.public_url.clone().unwrap_or_else(|| format!("http://{}", args.addr));
    let policy = AuthPolicy {
        session_ttl_ms: i64::from(args.session_days.max(1)) * 86_400_000,
        cookie_secure: secure,
        activation: registrar::activation::ActivationPolicy {
            new_users_active: args.new_users_active,
            auto_setup: args.auto_setup_new_users,
            first_user_superuser: args.first_user_superuser,
        },
        ..AuthPolicy::default()
    };
    let backend =
        ServerBackend::new(db.clone(), policy).with_site_url(&site_url).with_retirement(retirement.clone());
    let (_, system) = Gate::system(system_backend(db.clone()), "serve");
    backend.ensure_states(&system).await.map_err(|e| e.message)?;
    let state = AppState::new(
        leptos_options(args.addr, &args.site_root),
        backend,
        OriginPolicy { public_origin },
        args.trust_proxy,
    );
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    match mailer {
        Some(mailer) => {
            tokio::spawn(mailer.run(db.clone(), std::time::Duration::from_secs(5)));
        }
        None => tracing::info!("no REGISTRAR_SMTP_URL: outgoing mail waits in the outbox"),
    }
    let worker_backend = crate::backend::ServerBackend::new(db.clone(), AuthPolicy::default())
        .with_site_url(&site_url)
        .with_retirement(retirement);
    tokio::spawn(crate::worker::JobWorker::new(worker_backend).run(std::time::Duration::from_secs(1)));
    tokio::spawn(purge_sessions(db));
    println!("Registrar is listening on http://{}", args.addr);
    if let Some(summary) = demo {
        println!("{summary}");
    }
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| format!("server stopped: {e}"))
}

async fn purge_sessions(db: Db) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match crate::store::sessions::purge_expired(&db).await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions purged"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not purge expired sessions"),
        }
    }
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}
