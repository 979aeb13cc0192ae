//! Password hashing: argon2id (m = 19 MiB, t = 2, p = 1) on the blocking pool, at most one
//! hash per core at a time so hashing never starves request handling.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

/// The parameters new hashes use (OWASP's argon2id baseline).
pub fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters")
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

fn slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS
        .get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())))
}

/// Runs CPU-heavy work off the async threads, one job per core.
async fn on_hashing_pool<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let _slot = slots().acquire().await.expect("never closed");
    tokio::task::spawn_blocking(work)
        .await
        .expect("password hashing panicked")
}

/// A PHC string for `password`.
pub async fn hash(password: String) -> anyhow::Result<String> {
    on_hashing_pool(move || {
        hasher()
            .hash_password(password.as_bytes(), &salt())
            .map(|hash| hash.to_string())
            .map_err(|err| anyhow::anyhow!("hashing a password: {err}"))
    })
    .await
}

/// The outcome of checking a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Correct, but hashed with weaker parameters: store a new hash.
    YesRehash,
}

/// Checks `password` against `stored`; with no stored hash (unknown user, provider-only
/// user) a dummy hash is verified so the answer takes the same time.
pub async fn verify(password: String, stored: Option<String>) -> Verified {
    on_hashing_pool(move || {
        let Some(stored) = stored else {
            let dummy = PasswordHash::new(dummy_hash()).expect("dummy hash parses");
            let _ = hasher().verify_password(password.as_bytes(), &dummy);
            return Verified::No;
        };
        let Ok(parsed) = PasswordHash::new(&stored) else {
            tracing::error!("a stored password hash does not parse");
            return Verified::No;
        };
        // Verify with the parameters the hash was made with.
        if Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_err()
        {
            return Verified::No;
        }
        if is_current(&parsed) {
            Verified::Yes
        } else {
            Verified::YesRehash
        }
    })
    .await
}

/// 16 random bytes from the OS generator.
fn salt() -> SaltString {
    let bytes: [u8; 16] = rand::random();
    SaltString::encode_b64(&bytes).expect("16 bytes make a valid salt")
}

fn is_current(hash: &PasswordHash<'_>) -> bool {
    let current = params();
    hash.algorithm == argon2::ARGON2ID_IDENT
        && hash.version == Some(Version::V0x13.into())
        && Params::try_from(hash).is_ok_and(|p| {
            p.m_cost() >= current.m_cost()
                && p.t_cost() >= current.t_cost()
                && p.p_cost() >= current.p_cost()
        })
}

/// A hash of a random password with the current parameters, made once.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let secret = uuid::Uuid::new_v4().to_string();
        hasher()
            .hash_password(secret.as_bytes(), &salt())
            .expect("hashing the dummy password")
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_weak_ones_ask_for_a_rehash() {
        let stored = hash("correct horse".into()).await.unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert_eq!(
            verify("correct horse".into(), Some(stored.clone())).await,
            Verified::Yes
        );
        assert_eq!(
            verify("wrong horse".into(), Some(stored)).await,
            Verified::No
        );
        assert_eq!(verify("anything".into(), None).await, Verified::No);

        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"old secret", &salt())
        .unwrap()
        .to_string();
        assert_eq!(
            verify("old secret".into(), Some(weak)).await,
            Verified::YesRehash
        );
    }
}
