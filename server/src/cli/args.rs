//! The command line's arguments: one struct per command, with their help texts and defaults. The
//! settings shared by commands (database, `serve`, retirement) are declared, read and validated in
//! `crate::config` and re-exported here. Parsing only: nothing here runs a command.

use clap::Args;

pub use crate::config::{DatabaseArgs, RetirementArgs, ServeArgs};

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
    pub(crate) fn apply(
        self,
        current: Option<app::model::records::SiteConfig>,
    ) -> app::model::records::SiteConfig {
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
    /// What its tokens may do, whatever the user could: retirement, credentials,
    /// credentials:read (list and read only), grades (space- or comma-separated).
    #[arg(long, default_value = "retirement")]
    pub scopes: String,
}

#[derive(Debug, Args)]
pub struct RevokeOauthClientArgs {
    /// The client id `create-oauth-client` printed.
    pub client_id: String,
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
