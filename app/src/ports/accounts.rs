//! Port: accounts and sessions (sign-in, registration, the account page) and the accounts that
//! management commands make. Signatures only; the server implements them.

use super::{ClientMeta, NewSession};
use crate::gate::capabilities::{Me, Public, System};
use crate::model::{AccountView, CurrentUser, ManageUser, ManageUserReport};
use registrar::account::ValidRegistration;
use registrar::DomainError;

/// Signing in and out, registering, the signed-in user's own views.
#[async_trait::async_trait]
pub trait Accounts: Send + Sync {
    /// Check credentials and open a session. Throttled; the error never says which part was wrong.
    async fn sign_in(
        &self,
        public: &Public,
        identifier: &str,
        password: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError>;

    /// Create an account and open its first session.
    async fn register(
        &self,
        public: &Public,
        registration: ValidRegistration,
        password: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError>;

    /// End the session the request came with.
    async fn sign_out(&self, me: &Me) -> Result<(), DomainError>;

    /// The header and navigation view of the signed-in user.
    async fn current_user(&self, me: &Me) -> Result<CurrentUser, DomainError>;

    /// The account page.
    async fn account(&self, me: &Me) -> Result<AccountView, DomainError>;

    /// Follow the link mailed to an account's address: the address is proven and invitations to it
    /// are redeemed. Returns the account's username. The signed token is the credential.
    async fn confirm_address(&self, public: &Public, token: &str) -> Result<String, DomainError>;

    /// Sign in through the unlock link mailed to the owner of an account that was guessed at from
    /// several places: the link and the password together open a session whatever the account's
    /// alarm says.
    async fn unlock(
        &self,
        public: &Public,
        token: &str,
        password: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError>;

    /// Mail the signed-in account a new confirmation link; returns the address it went to.
    async fn resend_confirmation(&self, me: &Me) -> Result<String, DomainError>;

    /// The `Set-Cookie` value that stores a session token, or clears it when `None`.
    fn session_cookie(&self, token: Option<&str>) -> String;
}

/// Accounts and tokens made by management commands.
#[async_trait::async_trait]
pub trait ManageAccounts: Send + Sync {
    /// Create or update an account (`registrar manage-user`).
    async fn manage_user(
        &self,
        system: &System,
        request: ManageUser,
    ) -> Result<ManageUserReport, DomainError>;

    /// Issue a bearer token for a user; returns the secret, shown once.
    async fn issue_token(
        &self,
        system: &System,
        username: &str,
        name: &str,
        expires_at: Option<i64>,
    ) -> Result<String, DomainError>;
}

/// Everything the accounts area offers.
pub trait AccountsArea: Accounts + ManageAccounts {}

impl<T: Accounts + ManageAccounts> AccountsArea for T {}
