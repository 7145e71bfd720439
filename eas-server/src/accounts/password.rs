//! Argon2id password hashing with a configurable cost.
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

use super::DirectoryError;

/// The Argon2id cost parameters used for new password hashes.
///
/// Verification always uses the parameters recorded in the stored hash, so changing the
/// cost only affects passwords set afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory in KiB (at least 8 per lane).
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Degree of parallelism (lanes).
    pub parallelism: u32,
}

impl HashCost {
    /// The production default: 19 MiB, 2 passes, 1 lane (the OWASP-recommended Argon2id
    /// minimum, and the argon2 crate's default).
    pub const PRODUCTION: HashCost = HashCost {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// The smallest cost Argon2 accepts — for tests only, it offers no protection.
    pub const TESTING: HashCost = HashCost {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };

    fn hasher(&self) -> Result<Argon2<'static>, DirectoryError> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| DirectoryError::Hash(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Hashes a password with a fresh random salt into a PHC string (`$argon2id$…`).
    ///
    /// # Errors
    /// [`DirectoryError::Hash`] if the parameters are invalid or the RNG fails.
    pub fn hash(&self, password: &str) -> Result<String, DirectoryError> {
        let hash = self
            .hasher()?
            .hash_password(password.as_bytes())
            .map_err(|e| DirectoryError::Hash(e.to_string()))?;
        Ok(hash.to_string())
    }
}

impl Default for HashCost {
    fn default() -> Self {
        HashCost::PRODUCTION
    }
}

/// Checks a password against a PHC string; a malformed hash never verifies.
pub(crate) fn verify(password: &str, phc: &str) -> bool {
    // The verifier takes algorithm and parameters from the hash itself.
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}
