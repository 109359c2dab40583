//! Accounts and sessions: sign-in (throttled), registration (following the activation policy),
//! sign-out, the header's and the account page's views (`app::ports::accounts::Accounts`).
//!
//! Owns opening sessions and counting failed sign-ins. It must not change roles, agreements or
//! retirement state itself: registration asks the console and team areas through `Core`.

use crate::auth::{password, secret};
use crate::services::{internal, Core};
use crate::store::{self, courses, sessions, sign_ins, throttle, users};
use app::gate::{Me, Public};
use app::model::{AccountView, CourseLink, CurrentUser};
use app::ports::accounts::Accounts;
use app::ports::{ClientMeta, NewSession};
use registrar::account::ValidRegistration;
use registrar::activation::AccountState;
use registrar::throttle::{judge, Counts, Verdict};
use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use std::sync::Arc;
pub mod device;
pub mod manage;
pub mod own;
pub mod password_links;
pub mod redemption;
pub mod second_factor;

/// The name of the session cookie over plain http (local development and tests).
pub const SESSION_COOKIE: &str = "registrar_session";

/// The name of the session cookie: over https `__Host-registrar_session`, which browsers accept
/// only from this host, `Secure`, on `Path=/` and without `Domain`, so a sibling subdomain cannot
/// plant one beside ours (cookie tossing).
#[must_use]
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-registrar_session"
    } else {
        SESSION_COOKIE
    }
}

pub(crate) fn account_key(id_or_identifier: &str) -> String {
    format!("account:{}", id_or_identifier.trim().to_lowercase())
}

/// Sign-in, registration and the signed-in user's own views.
pub struct AccountService {
    core: Arc<Core>,
}

impl AccountService {
    #[must_use]
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }
}

impl AccountService {
    /// Someone registered under the private policy and waits: mail those who may set accounts up,
    /// at most once a day (the mail links to everyone waiting).
    async fn tell_account_managers(&self) -> Result<(), DomainError> {
        if throttle::hit(&self.core.db, "digest:accounts-waiting", 24 * 3_600_000).await? > 1 {
            return Ok(());
        }
        let link = format!("{}/admin/users?filter=new", self.core.site_url());
        let managers = users::account_managers(&self.core.db).await?;
        let mails: Vec<crate::notices::Composed> =
            managers.iter().map(|m| crate::notices::accounts_waiting(&m.full_name, &link)).collect();
        let outgoing: Vec<store::outbox::NewMail<'_>> = managers
            .iter()
            .zip(&mails)
            .map(|(m, mail)| store::outbox::NewMail::to_account(&m.id, &m.email, &mail.subject, &mail.body))
            .collect();
        let mut tx = self.core.begin().await?;
        store::outbox::enqueue_many(&mut tx, &outgoing).await.map_err(internal)?;
        tx.commit().await
    }

    /// Open a session inside the caller's transaction; the caller commits.
    pub(crate) async fn open_session_in(
        &self,
        conn: &mut store::Conn,
        user_id: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError> {
        let token = secret::new_secret();
        sessions::create(
            &mut *conn,
            &secret::digest(&token),
            user_id,
            self.core.policy.session_ttl_ms,
            &client.ip,
            &client.user_agent,
        )
        .await?;
        users::record_login(&mut *conn, user_id).await?;
        Ok(NewSession { token, awaiting: false, second_factor: None })
    }

    /// Check a password and open a session (throttled). `unlocked`: the owner followed the unlock
    /// link mailed to them, so the account's alarm does not apply (the address's waits still do).
    async fn password_sign_in(
        &self,
        identifier: &str,
        password: &str,
        client: &ClientMeta,
        unlocked: bool,
    ) -> Result<NewSession, DomainError> {
        if identifier.trim().is_empty() {
            return Err(DomainError::with_message(ErrorCode::InputInvalid, "Enter your username or email.")
                .on_field("identifier"));
        }
        if password.is_empty() {
            return Err(DomainError::with_message(ErrorCode::InputInvalid, "Enter your password.")
                .on_field("password"));
        }
        let ip_key = address_key(&client.ip);
        let user = users::find_by_login(&self.core.db, identifier).await?;
        // Lock on both the typed identifier and the account, so unknown names lock like real ones.
        let mut account_keys = vec![account_key(identifier)];
        if let Some(u) = &user {
            account_keys.push(account_key(&u.id));
        }
        self.core.count_failed_attempt(&ip_key, &account_keys, user.as_ref(), unlocked).await?;
        let ok = password::verify(password, user.as_ref().and_then(|u| u.password_hash.as_deref()))
            .await
            .map_err(internal)?;
        let method = if unlocked { sign_ins::Method::UnlockLink } else { sign_ins::Method::Password };
        let Some(user) = user else {
            return Err(ErrorCode::AuthBadCredentials.into());
        };
        if !ok {
            // Its owner sees the failed attempt on My account.
            sign_ins::record(&self.core.db.pool, &user.id, &client.ip, &client.user_agent, method, false)
                .await?;
            return Err(ErrorCode::AuthBadCredentials.into());
        }
        if !user.is_active.0 && user.state == AccountState::Invited.as_str() {
            // A deletion in progress: no session, not even to sign agreements (signing the last
            // one would make the account active while it is being deleted).
            let deletion = crate::store::retirement::for_user(&self.core.db.pool, &user.id).await?;
            registrar::retirement::check_reactivation(
                deletion.as_ref().map(|d| d.current_state.as_str()),
                &user.username,
            )?;
            // Set up, not active yet: signed in only to sign the agreements it must sign.
            self.core.forget_failures(&ip_key, &account_keys).await?;
            if let Some(pending) = self.core.second_factor_pending(&user).await? {
                return Ok(NewSession { token: String::new(), awaiting: true, second_factor: Some(pending) });
            }
            sign_ins::record(&self.core.db.pool, &user.id, &client.ip, &client.user_agent, method, true)
                .await?;
            let mut session = self.open_session(&user.id, client).await?;
            session.awaiting = true;
            return Ok(session);
        }
        if !user.is_active.0 && user.state == AccountState::Deactivated.as_str() {
            return Err(DomainError::with_message(
                ErrorCode::AuthInactive,
                "This account has been deactivated. Contact your administrator to have it set up again.",
            ));
        }
        if !user.is_active.0 && user.state == AccountState::New.as_str() {
            return Err(DomainError::with_message(
                ErrorCode::AuthInactive,
                "This account has not been set up yet: an administrator must invite it before you can sign in.",
            ));
        }
        if !user.is_active.0 {
            // The password was right, so saying why is safe: a queued deletion says how to cancel.
            if let Some(status) = crate::store::retirement::for_user(&self.core.db.pool, &user.id)
                .await?
                .filter(|s| s.current_state == registrar::retirement::PENDING)
            {
                return Err(DomainError::with_message(
                    ErrorCode::AuthInactive,
                    format!(
                        "This account is queued for deletion on {}. To keep it, use the link in the email we sent \
                         when the deletion was requested.",
                        app::model::format_date(status.due_at)
                    ),
                ));
            }
            return Err(ErrorCode::AuthInactive.into());
        }
        // A success wipes the account's counts and takes this attempt back from the address's.
        self.core.forget_failures(&ip_key, &account_keys).await?;
        throttle::forgive(&self.core.db, &ip_key).await?;
        // The password is right; an account with a second factor asks for a code before a session.
        if let Some(pending) = self.core.second_factor_pending(&user).await? {
            return Ok(NewSession { token: String::new(), awaiting: false, second_factor: Some(pending) });
        }
        sign_ins::record(&self.core.db.pool, &user.id, &client.ip, &client.user_agent, method, true).await?;
        self.open_session(&user.id, client).await
    }

    pub(crate) async fn open_session(
        &self,
        user_id: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError> {
        let mut tx = self.core.begin().await?;
        let session = self.open_session_in(&mut tx, user_id, client).await?;
        tx.commit().await?;
        Ok(session)
    }
}

impl Core {
    /// Judge and count a password attempt on `account_keys` (the typed name and, when it names an
    /// account, the account's id) from the address behind `ip_key`, before the password is
    /// checked (`registrar::throttle`): this address may have to wait; an account guessed at from
    /// many addresses takes no password until its owner follows the unlock link mailed to them.
    pub(crate) async fn count_failed_attempt(
        &self,
        ip_key: &str,
        account_keys: &[String],
        account: Option<&users::UserRow>,
        unlocked: bool,
    ) -> Result<(), DomainError> {
        let p = &self.policy;
        let rules = p.throttle();
        let now = store::now_ms();
        let (mut pair_failures, mut pair_last_at) = (0, None);
        for key in account_keys {
            let (failures, last) =
                throttle::peek(&self.db, &pair_key(key, ip_key), p.account_window_ms).await?;
            if failures > pair_failures {
                (pair_failures, pair_last_at) = (failures, last);
            }
        }
        let before = Counts { pair_failures, pair_last_at, account_failures: 0, address_failures: 0 };
        if let Verdict::Wait { seconds } = judge(rules, before, now) {
            return Err(wait_refusal(seconds));
        }
        let address_failures = throttle::hit(&self.db, ip_key, p.ip_window_ms).await?;
        let mut account_failures = 0;
        for key in account_keys {
            throttle::hit_about(&self.db, &pair_key(key, ip_key), key, p.account_window_ms).await?;
            account_failures = account_failures.max(throttle::hit(&self.db, key, p.account_window_ms).await?);
        }
        let counts = Counts { account_failures, address_failures, ..before };
        match judge(rules, counts, now) {
            Verdict::Go => Ok(()),
            Verdict::AccountAlarm { .. } if unlocked => Ok(()),
            Verdict::Wait { seconds } => Err(wait_refusal(seconds)),
            Verdict::AccountAlarm { newly } => {
                if let (true, Some(user)) = (newly, account) {
                    self.mail_unlock_link(user).await?;
                }
                Err(DomainError::with_message(
                    ErrorCode::AuthLocked,
                    "This account was guessed at from several places, so it takes no password for a while. \
                     Its owner can unlock it at once with the link we emailed to them.",
                ))
            }
            Verdict::AddressSlowed => Err(ErrorCode::AuthThrottled.into()),
        }
    }

    /// Forget the failures of `account_keys` (from every address, and from this one): the password
    /// was right, or the owner unlocked the account.
    pub(crate) async fn forget_failures(
        &self,
        ip_key: &str,
        account_keys: &[String],
    ) -> Result<(), DomainError> {
        for key in account_keys {
            throttle::clear(&self.db, key).await?;
            throttle::clear(&self.db, &pair_key(key, ip_key)).await?;
        }
        Ok(())
    }

    /// Mail the owner of a locked account the link that unlocks it.
    async fn mail_unlock_link(&self, user: &users::UserRow) -> Result<(), DomainError> {
        let key = self.link_key().await?;
        let until = store::now_ms() + self.policy.account_window_ms;
        let token = Core::sign(&key, &unlock_purpose(user), &user.id, until)?;
        let link = format!("{}/account/unlock?token={token}", self.site_url());
        let mail = crate::notices::unlock_link(&user.full_name, &user.username, &link);
        store::outbox::enqueue(
            &self.db.pool,
            &store::outbox::NewMail::to_account(&user.id, &user.email, &mail.subject, &mail.body),
        )
        .await?;
        Ok(())
    }

    /// Check an unlock link; returns the account it names.
    pub(crate) async fn unlock_target(&self, token: &str) -> Result<users::UserRow, DomainError> {
        let id = token.trim().split('.').next().unwrap_or_default();
        let user = users::get(&self.db, id).await?.ok_or(ErrorCode::LinkInvalid)?;
        self.verify_link(&unlock_purpose(&user), token).await?;
        Ok(user)
    }
}

/// The throttling key of a client address: an IPv6 address counts by its /64 (one machine can
/// hold a whole /64), an IPv4 address by itself.
pub(crate) fn address_key(ip: &str) -> String {
    match ip.parse::<std::net::Ipv6Addr>() {
        Ok(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        _ => format!("ip:{ip}"),
    }
}

/// The key counting one account's failures from one address.
fn pair_key(account_key: &str, ip_key: &str) -> String {
    format!("{account_key}|{ip_key}")
}

/// What an unlock link signs: the account, at its current address.
fn unlock_purpose(user: &users::UserRow) -> String {
    format!("unlock:{}", user.email.to_lowercase())
}

fn wait_refusal(seconds: i64) -> DomainError {
    let unit = if seconds == 1 { "second" } else { "seconds" };
    DomainError::with_message(
        ErrorCode::AuthThrottled,
        format!("Too many failed sign-ins for this account from your network. Wait {seconds} {unit} and try again."),
    )
}

#[async_trait::async_trait]
impl Accounts for AccountService {
    async fn sign_in(
        &self,
        _public: &Public,
        identifier: &str,
        password: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError> {
        self.password_sign_in(identifier, password, client, false).await
    }

    async fn register(
        &self,
        _public: &Public,
        registration: ValidRegistration,
        password: &str,
        invitation: Option<&str>,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError> {
        let key = format!("register:{}", address_key(&client.ip));
        if throttle::hit(&self.core.db, &key, self.core.policy.registration_window_ms).await?
            > self.core.policy.registrations
        {
            return Err(DomainError::with_message(
                ErrorCode::AuthThrottled,
                "Too many accounts were created from your network recently. Try again later.",
            ));
        }
        self.core.check_not_retired(registration.username.as_str(), registration.email.as_str()).await?;
        let hash = password::hash(password).await.map_err(internal)?;
        let start = self.core.account_start().await?;
        // Read (or create) the link key before the transaction takes SQLite's write lock.
        let key = self.core.link_key().await?;
        // Registered through the link an invitation mailed to this very address: it is proven.
        let proven = match invitation {
            Some(token) => self.core.invitation_proves(token, registration.email.as_str()).await?,
            None => false,
        };
        let mut tx = self.core.begin().await?;
        let new = users::NewUser {
            username: registration.username.as_str(),
            email: registration.email.as_str(),
            full_name: &registration.full_name,
            password_hash: Some(&hash),
            is_active: start.state == AccountState::Active,
            is_staff: false,
            is_superuser: start.superuser,
            state: start.state,
            email_verified: false,
        };
        let id = users::insert(&mut *tx, &new).await.map_err(|e| match e {
            users::WriteError::UsernameTaken => {
                DomainError::new(ErrorCode::UsernameTaken).on_field("username")
            }
            users::WriteError::EmailTaken => DomainError::new(ErrorCode::EmailTaken).on_field("email"),
            users::WriteError::Db(e) => internal(e),
        })?;
        tx.audit(&store::audit::Entry {
            actor_id: Some(&id),
            actor_label: registration.username.as_str(),
            target_type: "user",
            target_id: &id,
            after: Some(serde_json::json!({
                "username": registration.username.as_str(),
                "email": registration.email.as_str(),
                "full_name": registration.full_name,
            })),
            ..store::audit::Entry::new(AuditAction::UserRegister)
        })
        .await?;
        self.core.settle_new_account(&mut tx, &id, registration.username.as_str(), &start).await?;
        // Invitations to this address are redeemed once the account proves it is the address's:
        // now, through the invitation's link, or when the confirmation link is followed.
        if proven {
            let user = users::get_in(&mut tx, &id).await?.ok_or(ErrorCode::Internal)?;
            self.core.prove_address(&mut tx, &user).await?;
        } else {
            let target = redemption::ConfirmTarget {
                id: &id,
                username: registration.username.as_str(),
                email: registration.email.as_str(),
                full_name: &registration.full_name,
            };
            self.core.queue_confirmation(&mut tx, &key, target).await?;
        }
        // What the account is now (a proven console invitation sets it up at once).
        let state = AccountState::parse(&users::state_of(&mut tx, &id).await?)?;
        if state == AccountState::New {
            tx.commit().await?;
            self.tell_account_managers().await?;
            let then = if proven {
                String::new()
            } else {
                format!(
                    "; if you were invited, follow the link we sent to {} and it is set up at once",
                    registration.email.as_str()
                )
            };
            return Err(DomainError::with_message(
                ErrorCode::ActivationBlocked,
                format!(
                    "Your account {} was created. An administrator must set it up before you can sign in{then}.",
                    registration.username.as_str(),
                ),
            ));
        }
        let mut session = self.open_session_in(&mut tx, &id, client).await?;
        sign_ins::record(&mut *tx, &id, &client.ip, &client.user_agent, sign_ins::Method::Registration, true)
            .await?;
        session.awaiting = state == AccountState::Invited;
        tx.commit().await?;
        Ok(session)
    }

    async fn sign_out(&self, me: &Me) -> Result<(), DomainError> {
        if let Some(session) = me.session_id() {
            sessions::delete(&self.core.db, session).await?;
        }
        Ok(())
    }

    async fn current_user(&self, me: &Me) -> Result<CurrentUser, DomainError> {
        let p = me.principal();
        let user = users::get(&self.core.db, &p.user_id.0).await?.ok_or(ErrorCode::AuthRequired)?;
        let dashboards = courses::dashboards_of(&self.core.db, &user.id)
            .await?
            .into_iter()
            .map(|(key, name)| CourseLink { key, name })
            .collect();
        let console = self.core.console_sections_of(&user).await?;
        let agreements_due = self.core.agreements_due(&user.id).await?;
        Ok(CurrentUser {
            username: user.username,
            full_name: user.full_name,
            email: user.email,
            is_staff: user.is_staff.0,
            is_superuser: user.is_superuser.0,
            dashboards,
            console,
            agreements_due,
            awaiting: false,
        })
    }

    async fn account(&self, me: &Me) -> Result<AccountView, DomainError> {
        let id = &me.principal().user_id.0;
        let user = users::get(&self.core.db, id).await?.ok_or(ErrorCode::AuthRequired)?;
        let enrollments = courses::enrollments_of(&self.core.db, id)
            .await?
            .into_iter()
            .map(|(key, name)| CourseLink { key, name })
            .collect();
        let sessions = own::my_sessions(&self.core.db, id, me.session_id()).await?;
        Ok(AccountView {
            username: user.username,
            email: user.email,
            full_name: user.full_name,
            date_joined: user.date_joined,
            last_login: user.last_login,
            enrollments,
            sessions,
            email_confirmed: user.email_verified_at.is_some(),
            has_password: user.password_hash.is_some(),
            recent_sign_ins: own::recent_sign_ins(&self.core.db, id).await?,
            second_factor: store::second_factors::of(&self.core.db, id)
                .await?
                .is_some_and(|f| f.confirmed_at.is_some()),
            recovery_codes_left: store::second_factors::recovery_codes_left(&self.core.db, id).await?,
        })
    }

    async fn confirm_address(&self, _public: &Public, token: &str) -> Result<String, DomainError> {
        self.core.confirm_address(token).await
    }

    async fn unlock(
        &self,
        _public: &Public,
        token: &str,
        password: &str,
        client: &ClientMeta,
    ) -> Result<NewSession, DomainError> {
        // The link proves the mailbox, the password the person: signed in whatever the alarm says
        // (the waits of this address still apply), and the account's counts start again.
        let user = self.core.unlock_target(token).await?;
        for name in [&user.id, &user.username, &user.email] {
            throttle::clear(&self.core.db, &account_key(name)).await?;
        }
        self.password_sign_in(&user.username, password, client, true).await
    }

    async fn resend_confirmation(&self, me: &Me) -> Result<String, DomainError> {
        let id = &me.principal().user_id.0;
        let user = users::get(&self.core.db, id).await?.ok_or(ErrorCode::AuthRequired)?;
        if user.email_verified_at.is_some() {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                format!("{} is confirmed already.", user.email),
            ));
        }
        // A handful an hour and a dozen a day: enough for a lost message, too few to mail-bomb the
        // address (whoever registered with it may not own it).
        if throttle::hit(&self.core.db, &format!("confirm:{id}"), 3_600_000).await? > 5
            || throttle::hit(&self.core.db, &format!("confirm-day:{id}"), 86_400_000).await? > 12
        {
            return Err(DomainError::with_message(
                ErrorCode::AuthThrottled,
                "We sent several links in the last hour; wait a little, and look in your spam folder.",
            ));
        }
        let key = self.core.link_key().await?;
        let mut tx = self.core.begin().await?;
        let target = redemption::ConfirmTarget {
            id: &user.id,
            username: &user.username,
            email: &user.email,
            full_name: &user.full_name,
        };
        self.core.queue_confirmation(&mut tx, &key, target).await?;
        tx.commit().await?;
        Ok(user.email)
    }

    fn session_cookie(&self, token: Option<&str>) -> String {
        let secure = if self.core.policy.cookie_secure { "; Secure" } else { "" };
        let name = session_cookie_name(self.core.policy.cookie_secure);
        match token {
            Some(token) => format!(
                "{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
                self.core.policy.session_ttl_ms / 1000
            ),
            None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::address_key;

    #[test]
    fn an_ipv6_machine_counts_as_its_slash_64() {
        assert_eq!(address_key("2001:db8:1:2:aaaa::1"), address_key("2001:db8:1:2:ffff::9"));
        assert_ne!(address_key("2001:db8:1:2::1"), address_key("2001:db8:1:3::1"));
        assert_eq!(address_key("203.0.113.7"), "ip:203.0.113.7");
        assert_eq!(address_key("::ffff:203.0.113.7"), "ip:::ffff:203.0.113.7");
    }
}
