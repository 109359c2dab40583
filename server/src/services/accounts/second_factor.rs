//! The second factor (`app::ports::accounts::SecondFactor`): setting up an authenticator app
//! (RFC 6238 codes through `totp-rs`, its setup URI as a QR code through `qrcode`), one-time
//! recovery codes, turning it off, and the second step of signing in.
//!
//! A password that is right for an account with a factor opens no session: it gives a pending
//! token (signed, five minutes, tied to the password) that a code turns into a session. Wrong codes
//! count like wrong passwords. It must not decide who needs a factor beyond the account's own
//! choice (the rules are `registrar::second_factor`'s).

use super::{account_key, address_key, AccountService};
use crate::services::{internal, Core};
use crate::store::{self, now_ms, second_factors, sign_ins, users};
use app::gate::{Me, Public};
use app::model::FactorSetup;
use app::ports::accounts::SecondFactor;
use app::ports::{ClientMeta, NewSession};
use rand::RngCore;
use registrar::second_factor::{
    candidate_steps, parse_code, show_recovery_code, TypedCode, RECOVERY_CODES, STEP_SECONDS,
};
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use totp_rs::{Algorithm, Secret, TOTP};

/// How long the pending token between the password and the code lives.
const PENDING_MS: i64 = 5 * 60 * 1000;
/// Codes one pending sign-in may try; wrong codes one account may take an hour, however many
/// times the password is typed again (a right password never takes these back).
const CODES_PER_PENDING: i64 = 5;
const WRONG_CODES_PER_HOUR: i64 = 10;
const HOUR_MS: i64 = 3_600_000;

/// The throttle key of one pending sign-in (its token's digest, never the token).
fn pending_key(pending: &str) -> String {
    let digest = crate::auth::secret::digest(pending.trim());
    format!("pending:{}", digest.get(..24).unwrap_or(&digest))
}

/// What the pending token signs: the account's password (a new password ends pending sign-ins).
fn pending_purpose(user: &users::UserRow) -> String {
    let stamp = crate::auth::secret::digest(user.password_hash.as_deref().unwrap_or("none"));
    format!("second-factor:{}", stamp.get(..16).unwrap_or(&stamp))
}

fn totp(secret: &str, username: &str) -> Result<TOTP, DomainError> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().map_err(|e| internal(format!("{e:?}")))?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECONDS, bytes, Some("Registrar".to_owned()), username.to_owned())
        .map_err(|e| internal(format!("{e:?}")))
}

fn now_seconds() -> u64 {
    u64::try_from(now_ms() / 1000).unwrap_or_default()
}

/// A new recovery code, compact (eight lowercase letters and digits).
fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect()
}

impl Core {
    /// After a right password: the pending token when the account has a factor set up.
    pub(crate) async fn second_factor_pending(
        &self,
        user: &users::UserRow,
    ) -> Result<Option<String>, DomainError> {
        let on = second_factors::of(self.db(), &user.id).await?.is_some_and(|f| f.confirmed_at.is_some());
        if !on {
            return Ok(None);
        }
        let key = self.link_key().await?;
        Ok(Some(Core::sign(&key, &pending_purpose(user), &user.id, now_ms() + PENDING_MS)?))
    }

    /// Count an attempt at a code for `user`: like an attempt at a password (per address, growing
    /// waits), and against the account's own budget of wrong codes, which a right password does
    /// not reset. Before the transaction that checks it: a wrong code stays counted.
    async fn count_code_attempt(
        &self,
        user: &users::UserRow,
        client: &ClientMeta,
    ) -> Result<(), DomainError> {
        let account = account_key(&user.id);
        self.count_failed_attempt(
            &address_key(&client.ip),
            std::slice::from_ref(&account),
            Some(user),
            false,
        )
        .await?;
        let codes = format!("codes:{}", user.id);
        if store::throttle::hit_about(self.db(), &codes, &account, HOUR_MS).await? > WRONG_CODES_PER_HOUR {
            return Err(DomainError::with_message(
                ErrorCode::AuthThrottled,
                "Too many wrong codes for this account. Try again in an hour, or use a recovery code then.",
            ));
        }
        Ok(())
    }

    /// A right code takes its attempt back (after the transaction that used it committed).
    async fn forget_code_attempts(
        &self,
        user: &users::UserRow,
        client: &ClientMeta,
    ) -> Result<(), DomainError> {
        self.forget_failures(&address_key(&client.ip), &[account_key(&user.id)]).await?;
        store::throttle::forgive_by(self.db(), &format!("codes:{}", user.id), 1).await?;
        Ok(())
    }

    /// Check a typed code against `user`'s factor inside `tx`, using up its time step or the
    /// recovery code. Returns how it was proven.
    async fn check_code(
        &self,
        tx: &mut store::Conn,
        user: &users::UserRow,
        typed: &str,
    ) -> Result<sign_ins::Method, DomainError> {
        let code = parse_code(typed)?;
        let wrong = || {
            DomainError::with_message(ErrorCode::InputInvalid, "That code is not right, or was used already.")
                .on_field("code")
        };
        match code {
            TypedCode::OneTime(digits) => {
                let factor = second_factors::of(self.db(), &user.id).await?.ok_or_else(wrong)?;
                let last = factor.last_step.and_then(|s| u64::try_from(s).ok());
                let generator = totp(&factor.secret, &user.username)?;
                let matched = candidate_steps(now_seconds(), last)
                    .into_iter()
                    .find(|step| generator.generate(step * STEP_SECONDS) == digits)
                    .ok_or_else(wrong)?;
                let step = i64::try_from(matched).map_err(internal)?;
                if !second_factors::accept_step(tx, &user.id, step, &factor.secret).await? {
                    return Err(wrong());
                }
                Ok(sign_ins::Method::PasswordAndCode)
            }
            TypedCode::Recovery(compact) => {
                let hash = crate::auth::secret::digest(&compact);
                if !second_factors::use_recovery_code(tx, &user.id, &hash).await? {
                    return Err(wrong());
                }
                Ok(sign_ins::Method::PasswordAndRecoveryCode)
            }
        }
    }
}

#[async_trait::async_trait]
impl SecondFactor for AccountService {
    async fn start_second_factor(&self, me: &Me) -> Result<FactorSetup, DomainError> {
        let user = self.me_row(me).await?;
        let mut raw = [0u8; 20];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let secret = Secret::Raw(raw.to_vec()).to_encoded().to_string();
        // The recovery codes are shown with the setup (they work once the app is confirmed), so a
        // page without JavaScript shows them too.
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let hashes: Vec<String> = codes.iter().map(|c| crate::auth::secret::digest(c)).collect();
        if !second_factors::start(&self.core.db, &user.id, &secret, &hashes).await? {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Two-step sign-in is on already. Turn it off first to set up another app.",
            ));
        }
        let uri = totp(&secret, &user.username)?.get_url();
        let qr = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| internal(format!("{e:?}")))?;
        let svg = qr.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build();
        let grouped: Vec<String> =
            secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
        Ok(FactorSetup {
            secret: grouped.join(" "),
            uri,
            qr_svg: svg,
            recovery_codes: codes.iter().map(|c| show_recovery_code(c)).collect(),
        })
    }

    async fn confirm_second_factor(
        &self,
        me: &Me,
        code: &str,
        password: &str,
        client: &ClientMeta,
    ) -> Result<(), DomainError> {
        let user = self.me_row(me).await?;
        // A session alone must not put an app of its choosing between the owner and the account.
        self.core.check_own_password(&user, password, "password", client).await?;
        let factor = second_factors::of(&self.core.db, &user.id).await?;
        match factor {
            None => {
                return Err(DomainError::with_message(ErrorCode::InputInvalid, "Start the setup first."));
            }
            Some(f) if f.confirmed_at.is_some() => {
                return Err(DomainError::with_message(
                    ErrorCode::InputInvalid,
                    "Two-step sign-in is on already.",
                ));
            }
            Some(_) => {}
        }
        if !matches!(parse_code(code)?, TypedCode::OneTime(_)) {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Enter the 6-digit code your authenticator app shows now.",
            )
            .on_field("code"));
        }
        self.core.count_code_attempt(&user, client).await?;
        let mut tx = self.core.begin().await?;
        self.core.check_code(&mut tx, &user, code).await?;
        // Sessions opened with the password alone end; this one just proved the app.
        store::sessions::delete_others(&mut *tx, &user.id, me.session_id()).await?;
        tx.audit(&store::audit::Entry::by_owner(&user.id, &user.username, AuditAction::SecondFactorOn))
            .await?;
        let mail = crate::notices::second_factor_changed(&user.full_name, &user.username, true);
        crate::services::mail_account(&mut tx, &user, &mail).await?;
        tx.commit().await?;
        self.core.forget_code_attempts(&user, client).await
    }

    async fn remove_second_factor(
        &self,
        me: &Me,
        password: &str,
        client: &ClientMeta,
    ) -> Result<(), DomainError> {
        let user = self.me_row(me).await?;
        self.core.check_own_password(&user, password, "password", client).await?;
        let mut tx = self.core.begin().await?;
        if !second_factors::remove(&mut tx, &user.id).await? {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Two-step sign-in is off already.",
            ));
        }
        tx.audit(&store::audit::Entry::by_owner(&user.id, &user.username, AuditAction::SecondFactorOff))
            .await?;
        let mail = crate::notices::second_factor_changed(&user.full_name, &user.username, false);
        crate::services::mail_account(&mut tx, &user, &mail).await?;
        tx.commit().await
    }

    async fn finish_sign_in(
        &self,
        _public: &Public,
        pending: &str,
        code: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError> {
        let expired = || {
            DomainError::with_message(
                ErrorCode::LinkInvalid,
                "This sign-in has expired. Sign in again with your password.",
            )
        };
        let id = pending.trim().split('.').next().unwrap_or_default();
        let user = users::get(&self.core.db, id).await?.ok_or_else(expired)?;
        self.core.verify_link(&pending_purpose(&user), pending).await.map_err(|_| expired())?;
        if !user.is_active.0 && user.state != registrar::activation::AccountState::Invited.as_str() {
            return Err(expired());
        }
        let this_sign_in = pending_key(pending);
        let account = account_key(&user.id);
        if store::throttle::hit_about(&self.core.db, &this_sign_in, &account, PENDING_MS).await?
            > CODES_PER_PENDING
        {
            return Err(DomainError::with_message(
                ErrorCode::LinkInvalid,
                "Too many codes were tried for this sign-in. Sign in again with your password.",
            ));
        }
        self.core.count_code_attempt(&user, client).await?;
        let mut tx = self.core.begin().await?;
        let method = match self.core.check_code(&mut tx, &user, code).await {
            Ok(method) => method,
            Err(e) => {
                drop(tx);
                // Its owner sees the wrong code on My account.
                let tried = sign_ins::Method::PasswordAndCode;
                sign_ins::record(&self.core.db.pool, &user.id, &client.ip, &client.user_agent, tried, false)
                    .await?;
                return Err(e);
            }
        };
        sign_ins::record(&mut *tx, &user.id, &client.ip, &client.user_agent, method, true).await?;
        let mut session = self.open_session_in(&mut tx, &user.id, client).await?;
        session.awaiting = !user.is_active.0;
        tx.commit().await?;
        self.core.forget_code_attempts(&user, client).await?;
        // Used: the same pending sign-in opens nothing more.
        store::throttle::hit_by(&self.core.db, &this_sign_in, CODES_PER_PENDING + 1, PENDING_MS).await?;
        Ok(session)
    }
}
