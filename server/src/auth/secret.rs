//! Random secrets for session cookies and bearer tokens, and the hash they are stored under.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new 256-bit secret, hex-encoded.
#[must_use]
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The stored form of a secret: its SHA-256, hex-encoded. A leaked table cannot be replayed.
#[must_use]
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_and_digests_stable() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(digest("x"), digest("x"));
        assert_ne!(digest(&a), a);
    }
}
