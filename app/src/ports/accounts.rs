//! Port: accounts and sessions (sign-in, registration, the account page) and the accounts that
//! management commands make. Signatures only; the server implements them.

use super::{ClientMeta, NewSession};
use crate::gate::capabilities::{Me, Public, System};
use crate::model::{AccountView, CurrentUser, FactorSetup, ManageUser, ManageUserReport};
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

    /// Create an account and open its first session. `invitation`: the token of the registration
    /// link an invitation mailed (it proves the address it was mailed to, and only that one).
    async fn register(
        &self,
        public: &Public,
        registration: ValidRegistration,
        password: &str,
        invitation: Option<&str>,
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

/// What people do with their own account: a forgotten password, the password, name and address,
/// their sessions.
#[async_trait::async_trait]
pub trait OwnAccount: Send + Sync {
    /// "Forgot password?": mail a password link to the active account `identifier` names (a
    /// username or an address, any spelling). The same answer whether or not there is one;
    /// throttled per network and per account.
    async fn forgot_password(
        &self,
        public: &Public,
        identifier: &str,
        client: &ClientMeta,
    ) -> Result<(), DomainError>;

    /// Change the password, giving the current one (a wrong one counts as a failed sign-in); every
    /// other session and every token ends, and the address is told. Returns the sessions ended.
    async fn change_password(
        &self,
        me: &Me,
        current: &str,
        password: &str,
        confirm: &str,
        client: &ClientMeta,
    ) -> Result<u64, DomainError>;

    /// Change the full name.
    async fn change_name(&self, me: &Me, full_name: &str) -> Result<(), DomainError>;

    /// Ask to use another address, giving the password: a link goes to the new address and a
    /// notice to the current one; nothing changes until the link is followed. Returns the new
    /// address.
    async fn request_email_change(
        &self,
        me: &Me,
        email: &str,
        password: &str,
        client: &ClientMeta,
    ) -> Result<String, DomainError>;

    /// Follow the link mailed to the new address (`email`, as the link carries it), signed in as
    /// the account that asked: the address changes, is proven, and invitations to it are redeemed.
    /// Returns the account's username. The link dies with a password or address change.
    async fn confirm_email_change(&self, me: &Me, token: &str, email: &str) -> Result<String, DomainError>;

    /// End one of the account's other sessions (`handle`), or every other one (`None`). Returns
    /// how many ended.
    async fn end_my_sessions(&self, me: &Me, handle: Option<&str>) -> Result<u64, DomainError>;
}

/// A second factor: an authenticator app and one-time recovery codes.
#[async_trait::async_trait]
pub trait SecondFactor: Send + Sync {
    /// Start setting up an authenticator app: a new secret, as text and as a QR code, and new
    /// recovery codes shown this once (they work once the app is confirmed).
    async fn start_second_factor(&self, me: &Me) -> Result<FactorSetup, DomainError>;

    /// Finish with a code the app shows and the password: sign-in asks for a code from now on;
    /// the owner is mailed.
    async fn confirm_second_factor(
        &self,
        me: &Me,
        code: &str,
        password: &str,
        client: &ClientMeta,
    ) -> Result<(), DomainError>;

    /// Turn it off, giving the password.
    async fn remove_second_factor(
        &self,
        me: &Me,
        password: &str,
        client: &ClientMeta,
    ) -> Result<(), DomainError>;

    /// The second step of signing in: the pending token the password gave, and a code from the app
    /// or a recovery code (each works once). Wrong codes count like wrong passwords.
    async fn finish_sign_in(
        &self,
        public: &Public,
        pending: &str,
        code: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError>;
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
pub trait AccountsArea: Accounts + OwnAccount + SecondFactor + ManageAccounts {}

impl<T: Accounts + OwnAccount + SecondFactor + ManageAccounts> AccountsArea for T {}
