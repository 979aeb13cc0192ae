//! Password hashing: argon2id (m = 19 MiB, t = 2, p = 1) on the hashing threads
//! ([`super::hashing`]: one hash per core at a time, at a lower CPU priority), so hashing
//! never starves request handling.
//!
//! argon2's working memory is allocated here ([`working_memory`]), not by the argon2
//! crate: left to itself its 19 MiB would come from glibc's per-thread arenas, which keep
//! freed memory, and every thread that ever hashed would hold on to 19 MiB more
//! (651 MiB resident after eight concurrent sign-ins, measured). Allocated as below, it
//! goes back to the system when the hash is done.

use std::sync::OnceLock;

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use super::hashing;

/// The parameters new hashes use (OWASP's argon2id baseline).
pub fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters")
}

/// Blocks (1 KiB each) reserved for argon2's working memory at least: 33 MiB is above
/// glibc's highest mmap threshold (32 MiB on 64-bit), so the allocation always gets a
/// mapping of its own, returned to the system when freed. Only the blocks argon2 uses
/// are ever touched (19 MiB resident while hashing).
const OWN_MAPPING_BLOCKS: usize = 33 * 1024;

/// Zeroed working memory for `params`, in an allocation of its own (see
/// [`OWN_MAPPING_BLOCKS`]).
fn working_memory(params: &Params) -> Vec<Block> {
    let blocks = params.block_count();
    let mut memory = Vec::with_capacity(blocks.max(OWN_MAPPING_BLOCKS));
    memory.resize(blocks, Block::default());
    memory
}

/// The raw argon2 output for `password` and `salt` (raw bytes) into `out`.
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    let memory = working_memory(&params);
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, out, memory)
}

/// The PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) of `password` with a fresh
/// salt and the current parameters.
fn phc(password: &[u8]) -> anyhow::Result<String> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|err| anyhow::anyhow!("encoding a salt: {err}"))?;
    let params = params();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password,
        &salt_bytes,
        &mut out,
    )
    .map_err(|err| anyhow::anyhow!("hashing a password: {err}"))?;
    let hash = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: (&params)
            .try_into()
            .map_err(|err| anyhow::anyhow!("encoding argon2 parameters: {err}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|err| anyhow::anyhow!("argon2 output: {err}"))?),
    };
    Ok(hash.to_string())
}

/// Whether `password` is the one `hash` was made from, with the algorithm, version and
/// parameters written in it. The comparison takes constant time.
fn matches(password: &[u8], hash: &PasswordHash<'_>) -> bool {
    let (Ok(algorithm), Some(salt), Some(expected)) =
        (Algorithm::try_from(hash.algorithm), hash.salt, hash.hash)
    else {
        return false;
    };
    let version = match hash.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    compute(algorithm, version, params, password, salt, &mut out).is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// A PHC string for `password`.
pub async fn hash(password: String) -> anyhow::Result<String> {
    hashing::run(move || phc(password.as_bytes())).await
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
    hashing::run(move || {
        let Some(stored) = stored else {
            let dummy = PasswordHash::new(dummy_hash()).expect("dummy hash parses");
            let _ = matches(password.as_bytes(), &dummy);
            return Verified::No;
        };
        let Ok(parsed) = PasswordHash::new(&stored) else {
            tracing::error!("a stored password hash does not parse");
            return Verified::No;
        };
        // Verify with the parameters the hash was made with.
        if !matches(password.as_bytes(), &parsed) {
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
        phc(secret.as_bytes()).expect("hashing the dummy password")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_are_standard_phc_strings_the_argon2_crate_verifies() {
        let ours = phc(b"correct horse").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"wrong horse", &parsed)
            .is_err());
        // And the other way round: a hash the crate made verifies here.
        let salt = SaltString::encode_b64(b"sixteen byte sal").unwrap();
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
            .hash_password(b"battery staple", &salt)
            .unwrap();
        assert!(matches(b"battery staple", &theirs));
        assert!(!matches(b"battery stapler", &theirs));
    }

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
        .hash_password(
            b"old secret",
            &SaltString::encode_b64(b"an old salt here").unwrap(),
        )
        .unwrap()
        .to_string();
        assert_eq!(
            verify("old secret".into(), Some(weak)).await,
            Verified::YesRehash
        );
    }
}
