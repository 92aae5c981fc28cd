//! Signing keys: loading a configured Ed25519 key, or making one in development.
//!
//! Tokens are signed with Ed25519 (EdDSA): one algorithm family, so there is no RS/HS key
//! confusion to guard against, and keys are small. The key id (`kid`) is derived from the
//! public key, so the same key always has the same id on every instance.

use std::path::Path;

use anyhow::{Context, bail};
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use sha2::Digest;

/// A private key with its id and public half.
pub struct SigningKey {
    pub kid: String,
    pub pem: SecretString,
    /// Raw 32-byte public key, base64url without padding (the JWK `x`).
    pub public_x: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Parses a PKCS#8 PEM Ed25519 private key.
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let der = pem_body(pem).context("the JWT private key is not a PEM block")?;
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der).map_err(|e| {
            anyhow::anyhow!("the JWT private key is not an Ed25519 PKCS#8 key: {e}")
        })?;
        let public = pair.public_key().as_ref().to_vec();
        let digest = sha2::Sha256::digest(&public);
        Ok(Self {
            kid: hex::encode(&digest[..8]),
            pem: SecretString::from(pem.to_string()),
            public_x: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&public),
        })
    }

    /// Development only: reads `jwt-signing-key.pem` under `dir`, creating it first.
    pub fn load_or_generate(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join("jwt-signing-key.pem");
        if let Ok(pem) = std::fs::read_to_string(&path) {
            return Self::from_pem(&pem).with_context(|| format!("{}", path.display()));
        }
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let doc = Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(|_| anyhow::anyhow!("key generation failed"))?;
        let pem = to_pem(doc.as_ref());
        write_private(&path, &pem)?;
        tracing::info!(path = %path.display(), "generated a development signing key");
        Self::from_pem(&pem)
    }

    /// Every PEM private-key block in `text` (rotated keys are given concatenated).
    pub fn all_from_pem(text: &str) -> anyhow::Result<Vec<Self>> {
        let mut keys = Vec::new();
        let mut block = String::new();
        for line in text.lines() {
            block.push_str(line);
            block.push('\n');
            if line.trim_start().starts_with("-----END") {
                keys.push(Self::from_pem(&block)?);
                block.clear();
            }
        }
        Ok(keys)
    }

    pub fn pem_bytes(&self) -> &[u8] {
        self.pem.expose_secret().as_bytes()
    }
}

fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----") && !l.is_empty())
        .collect();
    if body.is_empty() {
        return None;
    }
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

fn to_pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN PRIVATE KEY-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END PRIVATE KEY-----\n");
    out
}

#[cfg(unix)]
fn write_private(path: &Path, pem: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match &mut file {
        Ok(f) => f.write_all(pem.as_bytes()).context("write signing key")?,
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => bail!("create {}: {e}", path.display()),
    }
    Ok(())
}
