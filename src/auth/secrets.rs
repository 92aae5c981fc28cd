//! Opaque secrets handed to clients (refresh tokens, WebSocket tickets, login codes)
//! and the hashes stored in their place.

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes, base64url: unguessable, header- and URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A six-digit code, uniformly distributed.
pub fn six_digit_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

/// SHA-256 of a high-entropy token: enough, since it cannot be brute-forced.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Keyed hash of a low-entropy value (a 6-digit code): a stolen Redis dump does not
/// reveal codes without the server's key.
pub fn keyed_hash(key: &[u8], parts: &[&str]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    for p in parts {
        mac.update(p.as_bytes());
        mac.update(&[0]);
    }
    hex::encode(mac.finalize().into_bytes())
}
