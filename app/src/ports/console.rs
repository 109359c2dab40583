//! Port: the admin console (users, account states, agreements, invitations, role assignments, the
//! audit log, jobs and mail). Each method takes the actor the Gate minted for the section's
//! permission (or a management command's system principal). Signatures only.

use super::ClientMeta;
use crate::gate::capabilities::{Public, Signer};
use crate::gate::console::{
    AddAgreements, AddInvitations, AddRoles, ChangeAgreements, ChangeGroups, ChangeJobs, ChangeOutbox,
    ChangeUsers, ConsoleActor, CreateUsers, DeleteInvitations, DeleteRoles, InviteWithRole, ViewAgreements,
    ViewAudit, ViewInvitations, ViewJobs, ViewRoles, ViewUsers,
};
use crate::model::console::{
    AgreementView, AuditCsvPage, AuditPage, AuditQuery, BulkOutcome, InvitationLine, InvitationRequest,
    JobLine, MyAgreements, NewAccount, RoleAssignmentLine, SignResult, UserDetail, UserList, UserQuery,
};
use registrar::DomainError;

/// Users: search, one account's page, creating accounts, profiles, flags, sessions, password links.
#[async_trait::async_trait]
pub trait ConsoleUsers: Send + Sync {
    /// Search accounts (prefix of username, email or name; any case), filtered, paged.
    async fn search_users(
        &self,
        actor: &ConsoleActor<'_, ViewUsers>,
        query: &UserQuery,
    ) -> Result<UserList, DomainError>;

    /// Everything about one account (by username or email).
    async fn user_detail(
        &self,
        actor: &ConsoleActor<'_, ViewUsers>,
        identifier: &str,
    ) -> Result<UserDetail, DomainError>;

    /// Create an account (active, no password until it is chosen through the mailed link).
    async fn create_account(
        &self,
        actor: &ConsoleActor<'_, CreateUsers>,
        account: NewAccount,
    ) -> Result<String, DomainError>;

    /// Change an account's name and email.
    async fn update_profile(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
        full_name: &str,
        email: &str,
    ) -> Result<(), DomainError>;

    /// Set the staff and superuser flags (the superuser flag: superusers only; never one's own).
    async fn set_flags(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
        is_staff: bool,
        is_superuser: bool,
    ) -> Result<(), DomainError>;

    /// Mail a link to choose a new password (through the outbox).
    async fn send_password_reset(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
    ) -> Result<(), DomainError>;

    /// End every session of an account; returns how many.
    async fn end_sessions(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
    ) -> Result<u64, DomainError>;

    /// Take an account's second factor away (its owner lost the phone and the recovery codes): the
    /// password alone signs in again until a new app is set up. Audited; the owner is mailed.
    async fn reset_second_factor(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
    ) -> Result<(), DomainError>;

    /// The password-reset page: whose link it is (the link is checked, nothing changes).
    async fn reset_link_info(&self, public: &Public, token: &str) -> Result<String, DomainError>;

    /// Choose a new password with a mailed link (single use: the link dies with the old password).
    async fn reset_password(
        &self,
        public: &Public,
        token: &str,
        password: &str,
        confirm: &str,
    ) -> Result<(), DomainError>;
}

/// Deactivating and reactivating accounts, one at a time or in bulk.
#[async_trait::async_trait]
pub trait AccountStatus: Send + Sync {
    /// Deactivate in one transaction: sessions and tokens end, staff and superuser flags and every
    /// grant and group membership go, signatures stay, sign-in is refused until reactivated.
    async fn deactivate(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
        reason: &str,
    ) -> Result<(), DomainError>;

    /// Set a deactivated (or new) account up again: invited, active once its agreements are signed;
    /// `bypass_agreements` activates it at once (audited as such).
    async fn reactivate(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        username: &str,
        bypass_agreements: bool,
    ) -> Result<String, DomainError>;

    /// Preview (nothing changes) or run a bulk action on many accounts; one line per account.
    async fn bulk_users(
        &self,
        actor: &ConsoleActor<'_, ChangeUsers>,
        action: &str,
        usernames: &[String],
        reason: &str,
        run: bool,
    ) -> Result<BulkOutcome, DomainError>;
}

/// Agreements: publishing versions, and signing them.
#[async_trait::async_trait]
pub trait Agreements: Send + Sync {
    /// Every agreement at its current version, with how many signed it.
    async fn agreements(
        &self,
        actor: &ConsoleActor<'_, ViewAgreements>,
    ) -> Result<Vec<AgreementView>, DomainError>;

    /// Publish a new agreement. Returns its id.
    async fn publish_agreement(
        &self,
        actor: &ConsoleActor<'_, AddAgreements>,
        title: &str,
        body: &str,
        required: bool,
    ) -> Result<String, DomainError>;

    /// Publish a new version of agreement `id` (everyone signs again when it is required). Returns
    /// its id.
    async fn publish_agreement_version(
        &self,
        actor: &ConsoleActor<'_, ChangeAgreements>,
        id: &str,
        title: &str,
        body: &str,
        required: bool,
    ) -> Result<String, DomainError>;

    /// What the signer must sign and has signed.
    async fn my_agreements(&self, signer: &Signer) -> Result<MyAgreements, DomainError>;

    /// Sign the current version of a required agreement (idempotent); an invited account becomes
    /// active with its last one.
    async fn sign_agreement(
        &self,
        signer: &Signer,
        id: &str,
        version: i64,
        client: &ClientMeta,
    ) -> Result<SignResult, DomainError>;

    /// End the session an invited (not yet active) account signed in with.
    async fn end_signer_session(&self, signer: &Signer) -> Result<(), DomainError>;
}

/// Invitations by email.
#[async_trait::async_trait]
pub trait Invitations: Send + Sync {
    /// Invitations, newest first.
    async fn invitations(
        &self,
        actor: &ConsoleActor<'_, ViewInvitations>,
    ) -> Result<Vec<InvitationLine>, DomainError>;

    /// Invite an email (an existing account that is not set up is set up at once). Returns its id.
    async fn invite(
        &self,
        actor: &ConsoleActor<'_, AddInvitations>,
        request: InvitationRequest,
    ) -> Result<String, DomainError>;

    /// Invite an email with a role (at a scope) that it gets when the invitation is taken up.
    async fn invite_with_role(
        &self,
        actor: &ConsoleActor<'_, InviteWithRole>,
        request: InvitationRequest,
    ) -> Result<String, DomainError>;

    /// Revoke an open invitation.
    async fn revoke_invitation(
        &self,
        actor: &ConsoleActor<'_, DeleteInvitations>,
        id: &str,
    ) -> Result<(), DomainError>;
}

/// Role assignments at every scope, and the console permissions groups give.
#[async_trait::async_trait]
pub trait RoleAssignments: Send + Sync {
    /// Role assignments across scopes, optionally those of one role or holder (prefix), newest first.
    async fn role_assignments(
        &self,
        actor: &ConsoleActor<'_, ViewRoles>,
        search: &str,
    ) -> Result<Vec<RoleAssignmentLine>, DomainError>;

    /// Give a role at a scope (`global`, an org key, a course key) to an account found by email or
    /// username; refuses a duplicate by name.
    async fn grant_role(
        &self,
        actor: &ConsoleActor<'_, AddRoles>,
        identifier: &str,
        role: &str,
        scope: &str,
        expires_at: Option<i64>,
    ) -> Result<(), DomainError>;

    /// Take a role at a scope away.
    async fn revoke_role(
        &self,
        actor: &ConsoleActor<'_, DeleteRoles>,
        identifier: &str,
        role: &str,
        scope: &str,
    ) -> Result<(), DomainError>;

    /// Set the console permissions a group gives (superusers only).
    async fn set_group_permissions(
        &self,
        actor: &ConsoleActor<'_, ChangeGroups>,
        group_id: &str,
        codenames: &[String],
    ) -> Result<(), DomainError>;
}

/// The audit log, background jobs and mail retries.
#[async_trait::async_trait]
pub trait AuditLog: Send + Sync {
    /// Search the audit log, newest first.
    async fn audit(
        &self,
        actor: &ConsoleActor<'_, ViewAudit>,
        query: &AuditQuery,
        limit: u32,
    ) -> Result<AuditPage, DomainError>;

    /// One page of the audit log entries a search finds, as CSV (the header on the first page,
    /// `query.before` continues): downloads and the export command stream page after page, so an
    /// export of any size holds one page in memory.
    async fn audit_csv_page(
        &self,
        actor: &ConsoleActor<'_, ViewAudit>,
        query: &AuditQuery,
    ) -> Result<AuditCsvPage, DomainError>;

    /// Background jobs, newest first (`state` filters when not empty).
    async fn jobs(
        &self,
        actor: &ConsoleActor<'_, ViewJobs>,
        state: &str,
    ) -> Result<Vec<JobLine>, DomainError>;

    /// Queue a failed job again.
    async fn retry_job(&self, actor: &ConsoleActor<'_, ChangeJobs>, id: &str) -> Result<(), DomainError>;

    /// Send a failed (or pending) message again now.
    async fn retry_mail(&self, actor: &ConsoleActor<'_, ChangeOutbox>, id: &str) -> Result<(), DomainError>;
}

/// Everything the console area offers.
pub trait ConsoleArea:
    ConsoleUsers + AccountStatus + Agreements + Invitations + RoleAssignments + AuditLog
{
}

impl<T> ConsoleArea for T where
    T: ConsoleUsers + AccountStatus + Agreements + Invitations + RoleAssignments + AuditLog
{
}
