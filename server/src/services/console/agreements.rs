//! Agreements (`app::ports::console::Agreements`): publishing versions, signing them, and how a new
//! account starts (the activation policy) and becomes active with its last required signature.

use super::*;
use crate::services::{internal, Core};
use crate::store::lock::{self, Row};
use crate::store::{self, console as cs, new_id, now_ms, sessions, users};
use app::gate::{ConsoleActor, Signer};
use app::model::console::{AgreementView, MyAgreements, SignResult, SignatureLine};
use app::ports::console::Agreements;
use app::ports::ClientMeta;
use registrar::activation::{self, AccountState, Agreement, SignOutcome, Signature};

use registrar::AuditAction;
use registrar::{DomainError, ErrorCode};
use serde_json::json;

pub(crate) fn domain_agreements(rows: &[cs::AgreementRow]) -> Vec<Agreement> {
    rows.iter()
        .map(|a| Agreement {
            id: a.id.clone(),
            title: a.title.clone(),
            version: a.version,
            required: a.required.0,
        })
        .collect()
}

pub(crate) fn domain_signatures(rows: &[cs::SignatureRow]) -> Vec<Signature> {
    rows.iter().map(|s| Signature { agreement_id: s.agreement_id.clone(), version: s.version }).collect()
}

pub(crate) fn signature_line(s: &cs::SignatureRow) -> SignatureLine {
    SignatureLine {
        agreement_id: s.agreement_id.clone(),
        title: s.title.clone(),
        version: s.version,
        signed_at: s.signed_at,
        current: s.version == s.current_version,
    }
}

impl Core {
    /// How a new account starts: the activation policy decides (the first account may become a
    /// superuser). An invitation to its address does not count yet: the address is not proven
    /// until the confirmation link is followed (`Core::redeem_for_proven_address`).
    pub(crate) async fn account_start(&self) -> Result<AccountStart, DomainError> {
        let first = if self.policy().activation.first_user_superuser {
            users::count(self.db()).await? == 0
        } else {
            false
        };
        let (mut state, superuser) = activation::initial_state(self.policy().activation, first, false);
        if state == AccountState::Invited {
            let agreements = cs::agreements(&self.db().pool).await?;
            let agreements = domain_agreements(&agreements);
            if activation::unsigned_required(&agreements, &[]).is_empty() {
                state = AccountState::Active;
            }
        }
        Ok(AccountStart { state, superuser })
    }

    /// Inside the registration transaction: audit how the account started.
    pub(crate) async fn settle_new_account(
        &self,
        conn: &mut store::Conn,
        user_id: &str,
        username: &str,
        start: &AccountStart,
    ) -> Result<(), DomainError> {
        let actor = "system:activation";
        store::audit::append(
            conn,
            &store::audit::Entry {
                actor_label: actor,
                target_type: "user",
                target_id: user_id,
                after: Some(json!({
                    "username": username,
                    "state": start.state.as_str(),
                    "is_superuser": start.superuser,
                })),
                ..store::audit::Entry::new(AuditAction::UserStart)
            },
        )
        .await
        .map_err(internal)
    }

    /// Whether the user must sign a required agreement's current version (for the page header).
    pub(crate) async fn agreements_due(&self, user_id: &str) -> Result<bool, DomainError> {
        cs::has_unsigned_required(self.db(), user_id).await.map_err(internal)
    }
}

#[async_trait::async_trait]
impl Agreements for ConsoleService {
    async fn agreements(
        &self,
        _actor: &ConsoleActor<'_, ViewAgreements>,
    ) -> Result<Vec<AgreementView>, DomainError> {
        let rows = cs::agreements(&self.core.db().pool).await?;
        let counts = cs::current_signature_counts(self.core.db()).await?;
        Ok(rows
            .into_iter()
            .map(|a| AgreementView {
                signed_current: counts.iter().find(|(id, _)| *id == a.id).map_or(0, |(_, n)| *n),
                id: a.id,
                title: a.title,
                body: a.body,
                version: a.version,
                required: a.required.0,
                published_at: a.published_at,
            })
            .collect())
    }

    async fn publish_agreement(
        &self,
        actor: &ConsoleActor<'_, AddAgreements>,
        title: &str,
        body: &str,
        required: bool,
    ) -> Result<String, DomainError> {
        self.publish(actor, "", title, body, required).await
    }

    async fn publish_agreement_version(
        &self,
        actor: &ConsoleActor<'_, ChangeAgreements>,
        id: &str,
        title: &str,
        body: &str,
        required: bool,
    ) -> Result<String, DomainError> {
        if id.trim().is_empty() {
            return Err(DomainError::with_message(ErrorCode::NotFound, "There is no such agreement."));
        }
        self.publish(actor, id, title, body, required).await
    }

    async fn my_agreements(&self, signer: &Signer) -> Result<MyAgreements, DomainError> {
        let pool = &self.core.db().pool;
        let rows = cs::agreements(pool).await?;
        let signatures = cs::signatures_of(pool, signer.user_id().0.as_str()).await?;
        let unsigned: Vec<String> =
            activation::unsigned_required(&domain_agreements(&rows), &domain_signatures(&signatures))
                .into_iter()
                .map(|a| a.id.clone())
                .collect();
        Ok(MyAgreements {
            username: signer.username().to_owned(),
            active: signer.is_active(),
            to_sign: rows
                .into_iter()
                .filter(|a| unsigned.contains(&a.id))
                .map(|a| AgreementView {
                    id: a.id,
                    title: a.title,
                    body: a.body,
                    version: a.version,
                    required: a.required.0,
                    published_at: a.published_at,
                    signed_current: 0,
                })
                .collect(),
            signed: signatures.iter().map(signature_line).collect(),
        })
    }

    async fn sign_agreement(
        &self,
        signer: &Signer,
        id: &str,
        version: i64,
        client: &ClientMeta,
    ) -> Result<SignResult, DomainError> {
        let user_id = signer.user_id().0.as_str();
        let mut tx = self.core.begin().await?;
        lock::row(&mut tx, Row::User, user_id).await?;
        let agreements = domain_agreements(&cs::agreements(&mut *tx).await?);
        let signatures = domain_signatures(&cs::signatures_of(&mut *tx, user_id).await?);
        let outcome = activation::sign(&agreements, &signatures, id.trim(), version)?;
        let signed = outcome == SignOutcome::Signed
            && cs::sign(&mut tx, user_id, id.trim(), version, &client.ip).await?;
        let actor_label = signer.username().to_owned();
        if signed {
            tx.audit(&store::audit::Entry {
                actor_id: Some(user_id),
                actor_label: &actor_label,
                target_type: "user",
                target_id: user_id,
                after: Some(json!({ "agreement": id.trim(), "version": version })),
                ..store::audit::Entry::new(AuditAction::AgreementSign)
            })
            .await?;
        }
        let mut all = signatures;
        all.push(Signature { agreement_id: id.trim().to_owned(), version });
        let remaining = activation::unsigned_required(&agreements, &all).len();
        let mut activated = false;
        if !signer.is_active() && remaining == 0 {
            let deletion = crate::store::retirement::for_user(&mut *tx, user_id).await?;
            registrar::retirement::check_reactivation(
                deletion.as_ref().map(|d| d.current_state.as_str()),
                signer.username(),
            )?;
            let state = users::state_of(&mut tx, user_id).await?;
            let next = activation::activate(AccountState::parse(&state)?, &[], false)?;
            users::activate_invited(&mut tx, user_id, next.as_str()).await?;
            tx.audit(&store::audit::Entry {
                actor_id: Some(user_id),
                actor_label: &actor_label,
                target_type: "user",
                target_id: user_id,
                before: Some(json!({ "state": state })),
                after: Some(json!({ "state": next.as_str() })),
                ..store::audit::Entry::new(AuditAction::UserActivate)
            })
            .await?;
            activated = true;
            // Active now: what was addressed to a proven address of its is redeemed.
            self.core.redeem_for_proven_address(&mut tx, user_id).await?;
        }
        tx.commit().await?;
        Ok(SignResult { signed, activated, remaining })
    }

    async fn end_signer_session(&self, signer: &Signer) -> Result<(), DomainError> {
        if let Some(session) = signer.session_id() {
            sessions::delete(self.core.db(), session).await?;
        }
        Ok(())
    }
}

impl ConsoleService {
    /// Publish a new agreement (`id` empty) or a new version of one.
    pub(crate) async fn publish<P: ConsolePermission>(
        &self,
        actor: &ConsoleActor<'_, P>,
        id: &str,
        title: &str,
        body: &str,
        required: bool,
    ) -> Result<String, DomainError> {
        let new = id.trim().is_empty();
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Give the agreement a title of at most 200 characters.",
            )
            .on_field("title"));
        }
        let body = body.trim();
        if body.is_empty() || body.len() > 100_000 {
            return Err(DomainError::with_message(
                ErrorCode::InputInvalid,
                "Write the agreement's text (at most 100,000 characters).",
            )
            .on_field("body"));
        }
        let now = now_ms();
        let mut tx = self.core.begin().await?;
        let (id, version) = if new {
            let id = new_id();
            cs::insert_agreement(&mut tx, &id, title, required, now).await?;
            (id, 1_i64)
        } else {
            let version = cs::bump_agreement(&mut tx, id.trim(), title, required, now).await?;
            let version = version.ok_or_else(|| {
                DomainError::with_message(ErrorCode::NotFound, "There is no such agreement.")
            })?;
            (id.trim().to_owned(), version)
        };
        cs::insert_agreement_version(&mut tx, &id, version, title, body, now).await?;
        audit(
            &mut tx,
            actor,
            AuditAction::AgreementPublish,
            ("agreement", &id),
            None,
            Some(json!({ "title": title, "version": version, "required": required })),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
