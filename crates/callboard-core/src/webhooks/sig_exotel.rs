//! Exotel does not sign its callbacks, so its URLs carry a per-install random secret as a path segment
//! (`/webhooks/exotel/{secret}/…`). This is the check, constant-time so response timing leaks nothing.

use super::SignatureError;
use crate::secret::Secret;

/// Accepts the path segment when it equals the configured secret.
pub fn verify(configured: Option<&Secret>, offered: &str) -> Result<(), SignatureError> {
    match configured {
        None => Err(SignatureError::NotConfigured),
        Some(s) if s.expose().is_empty() => Err(SignatureError::NotConfigured),
        Some(s) if s.matches(offered) => Ok(()),
        Some(_) => Err(SignatureError::Mismatch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_secret_passes() {
        let s = Secret::new("a1b2c3d4e5f6");
        assert_eq!(verify(Some(&s), "a1b2c3d4e5f6"), Ok(()));
        assert_eq!(verify(Some(&s), "a1b2c3d4e5f7"), Err(SignatureError::Mismatch));
        assert_eq!(verify(Some(&s), "a1b2c3d4e5f"), Err(SignatureError::Mismatch));
        assert_eq!(verify(Some(&s), ""), Err(SignatureError::Mismatch));
        assert_eq!(verify(None, "a1b2c3d4e5f6"), Err(SignatureError::NotConfigured));
        assert_eq!(
            verify(Some(&Secret::new("")), ""),
            Err(SignatureError::NotConfigured)
        );
    }
}
