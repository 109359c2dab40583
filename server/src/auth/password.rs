//! argon2id password hashing with OWASP-recommended parameters, always off the async runtime.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP's first recommended argon2id setting: 19 MiB memory, 2 iterations, 1 lane.
fn hasher() -> Result<Argon2<'static>, argon2::Error> {
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None)?))
}

/// At most this many hashes run at once: each takes 19 MiB and a core, so a flood of sign-ins or
/// registrations waits here instead of exhausting memory and the blocking pool.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// A failure of the hashing machinery itself (never "wrong password").
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hash a password (PHC string), on a blocking thread.
pub async fn hash(password: &str) -> Result<String, HashError> {
    let _permit = HASHING.acquire().await.map_err(|e| HashError(e.to_string()))?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .map_err(|e| HashError(e.to_string()))?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    })
    .await
    .map_err(|e| HashError(e.to_string()))?
}

/// Check a password against a stored hash, on a blocking thread. `None` (an unusable password or an
/// unknown user) still spends the same work against a dummy hash, so timing does not tell them apart.
pub async fn verify(password: &str, stored: Option<&str>) -> Result<bool, HashError> {
    let _permit = HASHING.acquire().await.map_err(|e| HashError(e.to_string()))?;
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let argon = hasher().map_err(|e| HashError(e.to_string()))?;
        match stored.as_deref().map(PasswordHash::new) {
            Some(Ok(parsed)) => Ok(argon.verify_password(password.as_bytes(), &parsed).is_ok()),
            Some(Err(e)) => Err(HashError(format!("stored hash does not parse: {e}"))),
            None => {
                let salt = SaltString::generate(&mut OsRng);
                let _ = argon.hash_password(password.as_bytes(), &salt);
                Ok(false)
            }
        }
    })
    .await
    .map_err(|e| HashError(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_do_not_trim() {
        let h = hash(" secret words ").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(" secret words ", Some(&h)).await.unwrap());
        assert!(!verify("secret words", Some(&h)).await.unwrap());
        assert!(!verify("anything", None).await.unwrap());
    }
}
