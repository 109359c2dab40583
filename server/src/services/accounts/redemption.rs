//! Proven addresses and the one redemption point for invitations addressed to an email.
//!
//! An account proves it controls its address by following a link mailed to it (the confirmation
//! link sent at registration, a password link, which reaches only that address, or the registration
//! link of an invitation mailed to that address). Every path that
//! can change what an account may redeem calls [`Core::redeem_for_proven_address`]: address
//! confirmation, password links, signing the last agreement, reactivation. The rule
//! (`registrar::activation::redemption`) is the domain's; this module must not redeem anything for
//! an address that is not proven.

use crate::services::console::agreements::{domain_agreements, domain_signatures};
use crate::services::Core;
use crate::store::{self, console as cs, enrollments, users, Conn};
use app::model::format_date;
use registrar::activation::{self, AccountState, Redemption};
use registrar::roles::{Grant, Role, Scope};
use registrar::{AuditAction, DomainError, ErrorCode};

/// How long a confirmation link works.
pub(crate) const CONFIRM_LINK_MS: i64 = 7 * 24 * 3600 * 1000;

/// What a confirmation link signs: the account and the address it proves, case-folded (a link for
/// an address the account no longer has proves nothing).
fn confirm_purpose(email_key: &str) -> String {
    format!("confirm-address:{email_key}")
}

/// How long an invitation's registration link proves its address when the invitation itself has
/// no end.
pub(crate) const INVITATION_LINK_MS: i64 = 30 * 24 * 3600 * 1000;

/// What an invitation's registration link signs: the address it was mailed to, case-folded. It
/// proves that address to whoever registers with it, and nothing for any other address.
fn invitation_purpose(email_key: &str) -> String {
    format!("invitation-address:{email_key}")
}

impl Core {
    /// The registration link of an invitation mailed to `email` (`until`: when the invitation
    /// ends, if it does; at most [`INVITATION_LINK_MS`]): the form comes filled with the address,
    /// and registering with it proves the address, so the invitation is redeemed at once.
    pub(crate) fn invitation_link(
        &self,
        key: &[u8],
        email: &str,
        until: Option<i64>,
    ) -> Result<String, DomainError> {
        let longest = store::now_ms() + INVITATION_LINK_MS;
        let until = until.map_or(longest, |end| end.min(longest));
        let token = Core::sign(key, &invitation_purpose(&email.to_lowercase()), "invitation", until)?;
        Ok(format!(
            "{}/register?email={}&invitation={token}",
            self.site_url(),
            app::components::error_view::urlencode(email)
        ))
    }

    /// Whether `token` is the registration link of an invitation mailed to `email` (any
    /// spelling), signed by us and not expired, while an invitation to that address is still open
    /// (a withdrawn or used invitation's link proves nothing). Read before the registration's
    /// transaction.
    pub(crate) async fn invitation_proves(&self, token: &str, email: &str) -> Result<bool, DomainError> {
        let key = email.trim().to_lowercase();
        if self.verify_link(&invitation_purpose(&key), token).await.is_err() {
            return Ok(false);
        }
        Ok(cs::open_invitation(&self.db().pool, &key).await?.is_some()
            || enrollments::has_open_invitation(self.db(), &key).await?)
    }

    /// Queue the confirmation mail for `user` inside the caller's transaction (`key`: the link key,
    /// read before the transaction).
    pub(crate) async fn queue_confirmation(
        &self,
        conn: &mut Conn,
        key: &[u8],
        user: ConfirmTarget<'_>,
    ) -> Result<(), DomainError> {
        let until = store::now_ms() + CONFIRM_LINK_MS;
        let token = Core::sign(key, &confirm_purpose(&user.email.to_lowercase()), user.id, until)?;
        let link = format!("{}/account/confirm-address?token={token}", self.site_url());
        let mail = crate::notices::confirm_address(
            user.full_name,
            user.username,
            user.email,
            &format_date(until),
            &link,
        );
        store::outbox::enqueue(
            &mut *conn,
            &store::outbox::NewMail::to_account(user.id, user.email, &mail.subject, &mail.body),
        )
        .await?;
        Ok(())
    }

    /// Follow a confirmation link: the address is proven, and whatever was addressed to it is
    /// redeemed. Returns the account's username. Following it again changes nothing.
    pub(crate) async fn confirm_address(&self, token: &str) -> Result<String, DomainError> {
        let id = token.trim().split('.').next().unwrap_or_default();
        let user = users::get(self.db(), id).await?.ok_or(ErrorCode::LinkInvalid)?;
        self.verify_link(&confirm_purpose(&user.email.to_lowercase()), token).await?;
        let mut tx = self.begin().await?;
        self.prove_address(&mut tx, &user).await?;
        tx.commit().await?;
        Ok(user.username)
    }

    /// `user` followed a link mailed to its current address: record it (audited, once) and redeem.
    pub(crate) async fn prove_address(
        &self,
        conn: &mut Conn,
        user: &users::UserRow,
    ) -> Result<(), DomainError> {
        let newly = user.email_verified_at.is_none();
        if !users::mark_email_verified(&mut *conn, &user.id, &user.email.to_lowercase()).await? {
            return Err(DomainError::new(ErrorCode::LinkInvalid));
        }
        if newly {
            store::audit::append(
                &mut *conn,
                &store::audit::Entry {
                    after: Some(serde_json::json!({"email": user.email})),
                    ..store::audit::Entry::by_owner(&user.id, &user.username, AuditAction::EmailVerified)
                },
            )
            .await?;
        }
        self.redeem_for_proven_address(conn, &user.id).await
    }

    /// The one redemption point: for an account whose address is proven, a console invitation to
    /// it (its role, and setting up an account that is not set up yet), then, once the account is
    /// active, the course-team and enrollment invitations to it. Inside the caller's transaction;
    /// nothing happens for an unproven address or a deactivated account.
    pub(crate) async fn redeem_for_proven_address(
        &self,
        conn: &mut Conn,
        user_id: &str,
    ) -> Result<(), DomainError> {
        let Some(user) = users::get_in(&mut *conn, user_id).await? else {
            return Ok(());
        };
        let state = AccountState::parse(&user.state)?;
        let redemption = activation::redemption(state, user.email_verified_at.is_some());
        if redemption == Redemption::Nothing {
            return Ok(());
        }
        // An account being deleted redeems nothing (and is set up by nothing).
        if store::retirement::for_user(&mut *conn, &user.id)
            .await?
            .is_some_and(|d| d.current_state != registrar::retirement::ABORTED)
        {
            return Ok(());
        }
        let mut active = user.is_active.0;
        let now = store::now_ms();
        let invitation = cs::open_invitation(&mut *conn, &user.email)
            .await?
            .filter(|i| i.expires_at.is_none_or(|end| now < end));
        if let Some(invitation) = invitation {
            if cs::accept_invitation(&mut *conn, &invitation.id, &user.id).await? {
                let scope =
                    invitation.course_key.as_deref().or(invitation.org.as_deref()).unwrap_or("global");
                let grant = invitation.role.as_deref().map(|role| {
                    Role::parse(role).and_then(|role| Ok(Grant { role, scope: Scope::parse_text(scope)? }))
                });
                if let Some(Ok(grant)) = &grant {
                    store::roles::grant(&mut *conn, &user.id, grant, None).await?;
                }
                if state == AccountState::New || state == AccountState::Invited {
                    // Set up; active at once when nothing is left to sign.
                    let agreements = cs::agreements(&mut *conn).await?;
                    let signatures = cs::signatures_of(&mut *conn, &user.id).await?;
                    let (agreements, signatures) =
                        (domain_agreements(&agreements), domain_signatures(&signatures));
                    let unsigned = activation::unsigned_required(&agreements, &signatures);
                    let next = activation::activate(AccountState::Invited, &unsigned, false)
                        .unwrap_or(AccountState::Invited);
                    users::set_state(&mut *conn, &user.id, next.as_str(), next == AccountState::Active)
                        .await?;
                    active = next == AccountState::Active;
                }
                store::audit::append(
                    &mut *conn,
                    &store::audit::Entry {
                        actor_id: Some(&user.id),
                        actor_label: &user.username,
                        target_type: "invitation",
                        target_id: &invitation.id,
                        after: Some(serde_json::json!({
                            "username": user.username, "role": invitation.role, "scope": scope,
                        })),
                        ..store::audit::Entry::new(AuditAction::InvitationAccept)
                    },
                )
                .await?;
            }
        }
        if active {
            enrollments::redeem_invitations(&mut *conn, &user.id, &user.email).await?;
            crate::services::team::studio::redeem_team_invitations(
                conn,
                &user.id,
                &user.username,
                &user.email,
            )
            .await?;
        }
        Ok(())
    }
}

/// Who a confirmation mail goes to.
pub(crate) struct ConfirmTarget<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub email: &'a str,
    pub full_name: &'a str,
}
