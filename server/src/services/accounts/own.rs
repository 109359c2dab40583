//! What people do with their own account (`app::ports::accounts::OwnAccount`): ask for a password
//! link when they forgot it, change the password (giving the current one), the full name and the
//! address (through a link mailed to the new one), and end their other sessions.
//!
//! Every act that needs the current password counts a wrong one like a failed sign-in. It must not
//! redeem invitations itself: a proven new address goes through `Core::prove_address`.

use super::{account_key, address_key, AccountService};
use crate::services::{internal, Core};
use crate::store::{self, now_ms, sessions, throttle, tokens, users};
use app::gate::{Me, Public};
use app::model::format_date;
use app::ports::accounts::OwnAccount;
use app::ports::ClientMeta;
use registrar::account::{validate_full_name, validate_password, Email};
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use serde_json::json;

/// How long the link that confirms a new address works.
const EMAIL_CHANGE_LINK_MS: i64 = 24 * 3600 * 1000;
/// "Forgot password?" links per account per hour, and asks per network per hour.
const FORGOT_PER_ACCOUNT: i64 = 3;
const FORGOT_PER_NETWORK: i64 = 20;
/// Address changes asked for per account per day.
const EMAIL_CHANGES_PER_DAY: i64 = 5;
const HOUR_MS: i64 = 3_600_000;

/// What the link to a new address signs: the account's password (a password change kills it), the
/// address it has now (another change kills it) and the new one, case-folded.
fn email_change_purpose(user: &users::UserRow, new_key: &str) -> String {
    let stamp = crate::auth::secret::digest(user.password_hash.as_deref().unwrap_or("none"));
    format!("email-change:{}:{}:{new_key}", stamp.get(..16).unwrap_or(&stamp), user.email.to_lowercase())
}

/// The handle that names a session on My account: derived from its stored hash, never the secret.
fn session_handle(id_hash: &str) -> String {
    let digest = crate::auth::secret::digest(id_hash);
    digest.get(..16).unwrap_or(&digest).to_owned()
}

impl Core {
    /// Check the password an account's owner typed to confirm an act; a wrong one counts like a
    /// failed sign-in (per network and per account) and is refused on the `password` field.
    pub(crate) async fn check_own_password(
        &self,
        user: &users::UserRow,
        password: &str,
        field: &'static str,
        client: &ClientMeta,
    ) -> Result<(), DomainError> {
        if password.is_empty() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Enter your password to confirm.",
            )
            .on_field(field));
        }
        let ip_key = address_key(&client.ip);
        let account = account_key(&user.id);
        self.count_failed_attempt(&ip_key, std::slice::from_ref(&account), Some(user), false).await?;
        // The secret exactly as typed: never trimmed.
        let ok =
            crate::auth::password::verify(password, user.password_hash.as_deref()).await.map_err(internal)?;
        if !ok {
            return Err(DomainError::new(ErrorCode::PasswordIncorrect).on_field(field));
        }
        // A success wipes the account's counts and takes this attempt back from the address's.
        self.forget_failures(&ip_key, std::slice::from_ref(&account)).await?;
        throttle::forgive(self.db(), &ip_key).await?;
        Ok(())
    }
}

impl AccountService {
    /// The signed-in account's row.
    pub(crate) async fn me_row(&self, me: &Me) -> Result<users::UserRow, DomainError> {
        users::get(&self.core.db, &me.principal().user_id.0)
            .await?
            .ok_or_else(|| ErrorCode::AuthRequired.into())
    }
}

#[async_trait::async_trait]
impl OwnAccount for AccountService {
    async fn forgot_password(
        &self,
        _public: &Public,
        identifier: &str,
        client: &ClientMeta,
    ) -> Result<(), DomainError> {
        let identifier = identifier.trim();
        if identifier.is_empty() {
            return Err(DomainError::with_message(ErrorCode::InputInvalid, "Enter your username or email.")
                .on_field("identifier"));
        }
        let network = format!("forgot:{}", address_key(&client.ip));
        if throttle::hit(&self.core.db, &network, HOUR_MS).await? > FORGOT_PER_NETWORK {
            return Err(DomainError::with_message(
                ErrorCode::AuthThrottled,
                "Too many password links were asked for from your network. Try again in an hour.",
            ));
        }
        // The same answer whether or not the account exists, is active, or was sent one already.
        let Some(user) = users::find_by_login(&self.core.db, identifier).await?.filter(|u| u.is_active.0)
        else {
            return Ok(());
        };
        let asked = format!("forgot-account:{}", user.id);
        if throttle::hit_about(&self.core.db, &asked, &account_key(&user.id), HOUR_MS).await?
            > FORGOT_PER_ACCOUNT
        {
            return Ok(());
        }
        let key = self.core.link_key().await?;
        let mut tx = self.core.begin().await?;
        tx.audit(&store::audit::Entry {
            actor_label: "system:forgot-password",
            target_type: "user",
            target_id: &user.id,
            ..store::audit::Entry::new(AuditAction::UserPasswordForgotten)
        })
        .await?;
        self.core.queue_reset_mail(&mut tx, &key, &user, true).await?;
        tx.commit().await
    }

    async fn change_password(
        &self,
        me: &Me,
        current: &str,
        password: &str,
        confirm: &str,
        client: &ClientMeta,
    ) -> Result<u64, DomainError> {
        let user = self.me_row(me).await?;
        self.core.check_own_password(&user, current, "current_password", client).await?;
        if password != confirm {
            return Err(DomainError::new(ErrorCode::PasswordMismatch).on_field("password_confirm"));
        }
        validate_password(password, &user.username, &user.email).map_err(|e| e.on_field("password"))?;
        if password == current {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Choose a password you do not use now.",
            )
            .on_field("password"));
        }
        let hash = crate::auth::password::hash(password).await.map_err(internal)?;
        let mut tx = self.core.begin().await?;
        let old_hash = user.password_hash.clone().unwrap_or_default();
        if !users::set_password_if_unchanged(&mut tx, &user.id, &hash, &old_hash).await? {
            // Changed meanwhile (another tab, a mailed link): the current password is no longer it.
            return Err(DomainError::new(ErrorCode::PasswordIncorrect).on_field("current_password"));
        }
        // New credentials: every other session and every token ends; this session stays.
        let ended = sessions::delete_others(&mut *tx, &user.id, me.session_id()).await?;
        tokens::revoke_for_user(&mut *tx, &user.id).await?;
        tx.audit(&store::audit::Entry {
            after: Some(json!({"sessions_ended": ended})),
            ..store::audit::Entry::by_owner(&user.id, &user.username, AuditAction::UserPasswordChange)
        })
        .await?;
        let mail = crate::notices::password_changed(&user.full_name, &user.username);
        crate::services::mail_account(&mut tx, &user, &mail).await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn change_name(&self, me: &Me, full_name: &str) -> Result<(), DomainError> {
        let user = self.me_row(me).await?;
        let full_name = validate_full_name(full_name).map_err(|e| e.on_field("full_name"))?;
        if full_name == user.full_name {
            return Ok(());
        }
        let mut tx = self.core.begin().await?;
        users::set_full_name(&mut tx, &user.id, &full_name).await?;
        tx.audit(&store::audit::Entry {
            before: Some(json!({"full_name": user.full_name})),
            after: Some(json!({"full_name": full_name})),
            ..store::audit::Entry::by_owner(&user.id, &user.username, AuditAction::UserNameChange)
        })
        .await?;
        tx.commit().await
    }

    async fn request_email_change(
        &self,
        me: &Me,
        email: &str,
        password: &str,
        client: &ClientMeta,
    ) -> Result<String, DomainError> {
        let user = self.me_row(me).await?;
        let email = Email::parse(email).map_err(|e| e.on_field("email"))?;
        if email.folded() == user.email.to_lowercase() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "That is the address you have now.",
            )
            .on_field("email"));
        }
        // Every ask counts, refused or not: whether an address is taken can be learned only a few
        // times a day (as at registration, which is limited per network).
        let asked = format!("email-change:{}", user.id);
        if throttle::hit_about(&self.core.db, &asked, &account_key(&user.id), 24 * HOUR_MS).await?
            > EMAIL_CHANGES_PER_DAY
        {
            return Err(DomainError::with_message(
                ErrorCode::AuthThrottled,
                "You asked for several address changes today. Try again tomorrow.",
            ));
        }
        self.core.check_own_password(&user, password, "password", client).await?;
        if users::find_by_login(&self.core.db, email.as_str())
            .await?
            .is_some_and(|u| u.email.to_lowercase() == email.folded())
        {
            return Err(DomainError::new(ErrorCode::EmailTaken).on_field("email"));
        }
        self.core.check_not_retired(&user.username, email.as_str()).await.map_err(|e| e.on_field("email"))?;
        let key = self.core.link_key().await?;
        let until = now_ms() + EMAIL_CHANGE_LINK_MS;
        let token = Core::sign(&key, &email_change_purpose(&user, &email.folded()), &user.id, until)?;
        let link = format!(
            "{}/account/confirm-email?token={token}&email={}",
            self.core.site_url(),
            app::components::error_view::urlencode(email.as_str())
        );
        // To an address not proven yet: no text of the account's choosing but its username.
        let to_new =
            crate::notices::email_change_link(&user.username, email.as_str(), &format_date(until), &link);
        let to_old = crate::notices::email_change_requested(&user.full_name, &user.username, email.as_str());
        let mut tx = self.core.begin().await?;
        // Not the address: it is not the account's until proven, so retirement could not know it
        // names them. The mail to it is the account's (and retired with it).
        tx.audit(&store::audit::Entry::by_owner(
            &user.id,
            &user.username,
            AuditAction::UserEmailChangeRequest,
        ))
        .await?;
        store::outbox::enqueue_many(
            &mut tx,
            &[
                store::outbox::NewMail::to_account(&user.id, email.as_str(), &to_new.subject, &to_new.body),
                store::outbox::NewMail::to_account(&user.id, &user.email, &to_old.subject, &to_old.body),
            ],
        )
        .await
        .map_err(internal)?;
        tx.commit().await?;
        Ok(email.as_str().to_owned())
    }

    async fn confirm_email_change(&self, me: &Me, token: &str, email: &str) -> Result<String, DomainError> {
        let email = Email::parse(email).map_err(|_| DomainError::new(ErrorCode::LinkInvalid))?;
        let id = token.trim().split('.').next().unwrap_or_default();
        // Only the account that asked, signed in, finishes the change: someone who receives a
        // link another account asked for cannot move their own address into it with one click.
        if id != me.principal().user_id.0 {
            return Err(DomainError::with_message(
                ErrorCode::LinkInvalid,
                "This link was sent for another account. Sign in as the account that asked for the change.",
            ));
        }
        let user = self.me_row(me).await?;
        let purpose = email_change_purpose(&user, &email.folded());
        self.core.verify_link(&purpose, token).await?;
        let mut tx = self.core.begin().await?;
        // Read again under the write: the account must still be active, with the password and
        // address the link was signed for.
        let now = users::get_in(&mut tx, &user.id).await?.ok_or(ErrorCode::LinkInvalid)?;
        if !now.is_active.0 || email_change_purpose(&now, &email.folded()) != purpose {
            return Err(DomainError::new(ErrorCode::LinkInvalid));
        }
        users::set_email_and_name(&mut tx, &user.id, email.as_str(), &email.folded(), &user.full_name)
            .await
            .map_err(|e| match e {
                users::WriteError::Db(e) => internal(e),
                _ => DomainError::with_message(
                    ErrorCode::EmailTaken,
                    format!("{} belongs to another account now.", email.as_str()),
                ),
            })?;
        tx.audit(&store::audit::Entry {
            before: Some(json!({"email": user.email})),
            after: Some(json!({"email": email.as_str()})),
            ..store::audit::Entry::by_owner(&user.id, &user.username, AuditAction::UserEmailChange)
        })
        .await?;
        // The link reached the new address: it is proven, and what was addressed to it redeemed.
        let changed = users::get_in(&mut tx, &user.id).await?.ok_or(ErrorCode::LinkInvalid)?;
        self.core.prove_address(&mut tx, &changed).await?;
        tx.commit().await?;
        Ok(user.username)
    }

    async fn end_my_sessions(&self, me: &Me, handle: Option<&str>) -> Result<u64, DomainError> {
        let user = self.me_row(me).await?;
        let others: Vec<String> = sessions::live_of(&self.core.db, &user.id)
            .await?
            .into_iter()
            .map(|s| s.id_hash)
            .filter(|h| Some(h.as_str()) != me.session_id())
            .filter(|h| handle.is_none_or(|wanted| session_handle(h) == wanted.trim()))
            .collect();
        if others.is_empty() {
            return match handle {
                Some(_) => Err(DomainError::with_message(
                    ErrorCode::NotFound,
                    "That session has ended already (or it is the one you are using: sign out instead).",
                )),
                None => Ok(0),
            };
        }
        let mut tx = self.core.begin().await?;
        let ended = sessions::delete_many(&mut tx, &user.id, &others).await?;
        tx.audit(&store::audit::Entry {
            after: Some(json!({"sessions_ended": ended})),
            ..store::audit::Entry::by_owner(&user.id, &user.username, AuditAction::UserEndOwnSessions)
        })
        .await?;
        tx.commit().await?;
        Ok(ended)
    }
}

/// The newest sign-ins of an account, in words, for My account and the console.
pub(crate) async fn recent_sign_ins(
    db: &store::Db,
    user_id: &str,
) -> Result<Vec<app::model::SignInLine>, DomainError> {
    Ok(store::sign_ins::recent(db, user_id, 10)
        .await?
        .into_iter()
        .map(|s| app::model::SignInLine {
            at: s.at,
            ip: s.ip,
            device: super::device::describe(&s.user_agent),
            method: s.method,
            success: s.success.0,
        })
        .collect())
}

/// The account page's list of sessions: newest use first, the current one marked, each with its
/// device in words.
pub(crate) async fn my_sessions(
    db: &store::Db,
    user_id: &str,
    current: Option<&str>,
) -> Result<Vec<app::model::MySession>, DomainError> {
    Ok(sessions::live_of(db, user_id)
        .await?
        .into_iter()
        .map(|s| app::model::MySession {
            handle: session_handle(&s.id_hash),
            device: super::device::describe(&s.user_agent),
            ip: s.ip,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            current: Some(s.id_hash.as_str()) == current,
        })
        .collect())
}
