//! Signed links mailed to people (confirm or cancel a deletion, choose a password, confirm an
//! address): HMAC-signed tokens with a purpose, an id and an expiry, signed with the configured key
//! and verified with every configured key (rotation). Only development, with no key configured,
//! keeps one in the database (a public site refuses to start without keys).
//!
//! It must not act on a link: the area that mailed it checks it here and then acts.

use crate::services::{internal, Core};
use crate::store::{now_ms, secrets};
use app::model::format_date;
use hmac::{Hmac, Mac};
use registrar::{DomainError, ErrorCode};
use sha2::Sha256;

/// The text a link's signature covers: each part prefixed with its length, so that no purpose,
/// id or expiry can be shifted into another (an address with a `:` in it cannot pass for another
/// purpose's).
fn signed_text(purpose: &str, id: &str, until: i64) -> String {
    let until = until.to_string();
    format!("{}:{purpose}|{}:{id}|{}:{until}", purpose.len(), id.len(), until.len())
}

impl Core {
    /// The key that signs new links.
    pub(crate) async fn link_key(&self) -> Result<Vec<u8>, DomainError> {
        if let Some(key) = self.policy().link_keys.signing() {
            return Ok(key.to_vec());
        }
        self.development_link_key().await
    }

    /// Every key a link may be signed with: the configured ones, newest first (rotation), or
    /// development's.
    async fn verifying_keys(&self) -> Result<Vec<Vec<u8>>, DomainError> {
        let configured = self.policy().link_keys.verifying();
        if configured.is_empty() {
            Ok(vec![self.development_link_key().await?])
        } else {
            Ok(configured.to_vec())
        }
    }

    /// Development only (no REGISTRAR_LINK_KEYS; a public site refuses to start without them): a
    /// key kept in the database, created on first use, shared by every server on it.
    async fn development_link_key(&self) -> Result<Vec<u8>, DomainError> {
        let name = "link_signing_key";
        if let Some(value) = secrets::find(self.db(), name).await? {
            return hex::decode(value).map_err(internal);
        }
        let fresh = crate::auth::secret::new_secret();
        let value = hex::encode(crate::auth::secret::digest(&fresh));
        // Two servers racing: the first insert wins and both read it back.
        let _ = secrets::insert(self.db(), name, &value).await;
        let value = secrets::get(self.db(), name).await?;
        hex::decode(value).map_err(internal)
    }

    /// A link token naming `id` for `purpose` until `until`, signed with `key` (see [`Self::link_key`]).
    pub(crate) fn sign(key: &[u8], purpose: &str, id: &str, until: i64) -> Result<String, DomainError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(internal)?;
        mac.update(signed_text(purpose, id, until).as_bytes());
        Ok(format!("{id}.{until}.{}", hex::encode(mac.finalize().into_bytes())))
    }

    /// The id a signed link names, if the signature is ours and the link has not expired.
    pub(crate) async fn verify_link(&self, purpose: &str, token: &str) -> Result<String, DomainError> {
        let invalid = || DomainError::new(ErrorCode::LinkInvalid);
        let mut parts = token.trim().splitn(3, '.');
        let (Some(id), Some(until), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        let until_ms: i64 = until.parse().map_err(|_| invalid())?;
        let sig = hex::decode(sig).map_err(|_| invalid())?;
        let mut signed_by_ours = false;
        for key in self.verifying_keys().await? {
            let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(internal)?;
            mac.update(signed_text(purpose, id, until_ms).as_bytes());
            signed_by_ours |= mac.verify_slice(&sig).is_ok();
        }
        if !signed_by_ours {
            return Err(invalid());
        }
        if now_ms() >= until_ms {
            return Err(DomainError::with_message(
                ErrorCode::LinkInvalid,
                format!("This link expired on {}.", format_date(until_ms)),
            ));
        }
        Ok(id.to_owned())
    }
}
