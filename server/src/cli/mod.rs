//! The `registrar` command line: `serve` (the default), `migrate`, `seed-demo`, `manage-user`,
//! `create-token`, `bench`, `populate-retirement-states`, `retire-user`, `cancel-retirement`,
//! `create-oauth-client`. Each command uses the same use cases as the web UI, through the Gate as a named
//! system principal, and exits non-zero with a clear message when something is wrong.
//!
//! This module owns parsing (`args`) and dispatch; the account and console commands live in
//! `accounts`, the web server in `serve`. Settings are read and validated by `crate::config` (the
//! `serve` command gets a whole [`Config`]). It must not hold a use case itself (commands call the
//! same ports as the web UI) nor read the environment (only `RUST_LOG`, for the log filter).

mod accounts;
mod args;
mod serve;

pub use crate::config::leptos_options;
use accounts::{change_roles, create_token, deactivate_users, export_audit, invite, manage_user};
pub use args::*;
use serve::serve;

use crate::config::{AuthPolicy, Config, LinkKeyArgs, LinkKeys, RetirementSettings};
use crate::services::retirement::RetirementService;
use crate::services::{self, Core};
use crate::store::Db;
use app::gate::Gate;
use app::ports::SharedBackend;
use clap::{Parser, Subcommand};
use std::process::ExitCode;
use std::sync::Arc;

/// Registrar: people-and-records administration for a learning platform.
#[derive(Debug, Parser)]
#[command(name = "registrar", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub retirement: RetirementArgs,

    #[command(flatten)]
    pub link_keys: LinkKeyArgs,

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
    /// Revoke an OAuth2 client: it gets no new tokens, and the tokens it was issued stop working.
    RevokeOauthClient(RevokeOauthClientArgs),
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

pub(super) async fn open_db(url: &str) -> Result<Db, String> {
    Db::open(url).await.map_err(|e| e.to_string())
}

pub(super) fn system_backend(keys: &LinkKeys, db: Db) -> SharedBackend {
    services::backend(Arc::new(Core::new(db, policy_with(keys))))
}

/// The default policy with the configured link keys (commands that mail links sign them too).
fn policy_with(keys: &LinkKeys) -> AuthPolicy {
    AuthPolicy { link_keys: keys.clone(), ..AuthPolicy::default() }
}

/// The retirement area with the retirement settings from the command line, and its database.
async fn retirement_service(
    url: &str,
    keys: &LinkKeys,
    args: &RetirementArgs,
) -> Result<(RetirementService, Db), String> {
    let settings = RetirementSettings::from_args(args)?;
    let db = open_db(url).await?;
    let core = Core::new(db.clone(), policy_with(keys)).with_retirement(settings);
    Ok((RetirementService::new(Arc::new(core)), db))
}

async fn run(cli: Cli) -> Result<(), String> {
    let url = &cli.database.database_url;
    let keys = LinkKeys::from_args(&cli.link_keys)?;
    let keys = &keys;
    match cli.command {
        None => serve(Config::from_args(&cli.database, &cli.serve, &cli.retirement, keys.clone())?).await,
        Some(Command::Serve(args)) => {
            serve(Config::from_args(&cli.database, &args, &cli.retirement, keys.clone())?).await
        }
        Some(Command::PopulateRetirementStates(args)) => {
            let (backend, db) = retirement_service(url, keys, &cli.retirement).await?;
            let (_, system) = Gate::system(system_backend(keys, db), "populate-retirement-states");
            let sync = backend.populate_states(&system, args.dry_run).await.map_err(|e| e.message)?;
            print_state_sync(&sync);
            Ok(())
        }
        Some(Command::RetireUser(args)) => {
            let (backend, db) = retirement_service(url, keys, &cli.retirement).await?;
            let (_, system) = Gate::system(system_backend(keys, db), "retire-user");
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
            let (backend, db) = retirement_service(url, keys, &cli.retirement).await?;
            let (_, system) = Gate::system(system_backend(keys, db), "cancel-retirement");
            backend.cancel_retirement_command(&system, &args.email).await.map_err(|e| e.message)?;
            println!(
                "Successfully cancelled retirement request for user with email address '{}'.",
                args.email.trim()
            );
            Ok(())
        }
        Some(Command::CreateOrUpdateSite(args)) => {
            let db = open_db(url).await?;
            let existing =
                crate::store::credentials::site_by_domain(&db, &args.site_domain.trim().to_ascii_lowercase())
                    .await
                    .map_err(|e| format!("cannot read the sites: {e}"))?
                    .map(|s| s.config());
            let config = (*args).apply(existing);
            let (gate, system) = Gate::system(system_backend(keys, db), "create-or-update-site");
            let created = gate
                .backend()
                .records
                .create_or_update_site(&system, config.clone())
                .await
                .map_err(|e| e.message)?;
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
            let (backend, db) = retirement_service(url, keys, &cli.retirement).await?;
            let (_, system) = Gate::system(system_backend(keys, db), "create-oauth-client");
            let (id, secret) = backend
                .create_oauth_client(&system, &args.name, &args.username, &args.scopes)
                .await
                .map_err(|e| e.message)?;
            println!("client_id: {id}");
            println!("client_secret: {secret}");
            eprintln!(
                "OAuth2 client '{}' acting as {} for: {}. The secret is shown only this once; store it safely. \
                 Get a token with POST /oauth2/access_token (grant_type=client_credentials).",
                args.name, args.username, args.scopes
            );
            Ok(())
        }
        Some(Command::RevokeOauthClient(args)) => {
            let (backend, db) = retirement_service(url, keys, &cli.retirement).await?;
            let (_, system) = Gate::system(system_backend(keys, db), "revoke-oauth-client");
            let ended = backend.revoke_oauth_client(&system, &args.client_id).await.map_err(|e| e.message)?;
            println!("Revoked OAuth2 client {}; {ended} live token(s) ended.", args.client_id.trim());
            Ok(())
        }
        Some(Command::Migrate) => {
            open_db(url).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Some(Command::SeedDemo) => {
            let db = open_db(url).await?;
            let summary = crate::seed::seed_demo(&db, true).await.map_err(|e| e.to_string())?;
            println!("{summary}");
            Ok(())
        }
        Some(Command::ManageUser(args)) => manage_user(url, keys, args).await,
        Some(Command::GrantRole(args)) => change_roles(url, keys, args, true).await,
        Some(Command::RevokeRole(args)) => change_roles(url, keys, args, false).await,
        Some(Command::Invite(args)) => invite(url, keys, args).await,
        Some(Command::DeactivateUser(args)) => deactivate_users(url, keys, args).await,
        Some(Command::ExportAudit(args)) => export_audit(url, keys, args).await,
        Some(Command::CreateToken(args)) => create_token(url, keys, args).await,
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
