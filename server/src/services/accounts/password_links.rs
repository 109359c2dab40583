//! Mailed password links: the link that chooses a new password (sent by an admin from the console,
//! or asked for on the sign-in page by whoever forgot theirs), what it is bound to, and checking it.
//!
//! A link names its account and is tied to the account's current password and address: it dies
//! once a password is chosen with it, and following it proves the address it reached. It must not
//! change a password itself: the console's reset use case does, after checking it here.

use crate::services::Core;
use crate::store::{self, now_ms, users};
use app::model::format_date;
use registrar::{DomainError, ErrorCode};

/// How long a password link lives.
pub(crate) const RESET_LINK_MS: i64 = 3_600_000;

/// The password link's purpose for an account: tied to its current password, so the link dies
/// once a password is chosen with it, and to the address it was mailed to (following it proves it).
fn reset_purpose(user: &users::UserRow) -> String {
    let stamp = crate::auth::secret::digest(user.password_hash.as_deref().unwrap_or("none"));
    format!("password-reset:{}:{}", stamp.get(..16).unwrap_or(&stamp), user.email.to_lowercase())
}

impl Core {
    /// The account a password link names, if the link is ours, current and unused, and the account
    /// active.
    pub(crate) async fn reset_target(&self, token: &str) -> Result<users::UserRow, DomainError> {
        let id = token.split('.').next().unwrap_or_default();
        let user = users::get(self.db(), id).await?.ok_or(ErrorCode::LinkInvalid)?;
        self.verify_link(&reset_purpose(&user), token).await?;
        if !user.is_active.0 {
            return Err(DomainError::new(ErrorCode::LinkInvalid));
        }
        Ok(user)
    }

    /// Queue the password-link mail for `user` inside the caller's transaction (`forgotten`: asked
    /// for on the sign-in page, not sent by an administrator). `key` is [`Core::link_key`], read
    /// before the transaction (SQLite has one writer).
    pub(crate) async fn queue_reset_mail(
        &self,
        conn: &mut store::Conn,
        key: &[u8],
        user: &users::UserRow,
        forgotten: bool,
    ) -> Result<(), DomainError> {
        let until = now_ms() + RESET_LINK_MS;
        let token = Core::sign(key, &reset_purpose(user), &user.id, until)?;
        let link = format!("{}/account/reset-password?token={token}", self.site_url());
        let compose =
            if forgotten { crate::notices::forgotten_password } else { crate::notices::password_link };
        let mail = compose(&user.full_name, &user.username, &format_date(until), &link);
        crate::services::mail_account(conn, user, &mail).await
    }
}
