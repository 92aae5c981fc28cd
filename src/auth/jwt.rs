//! Access tokens: EdDSA JWTs with `kid`, checked per CONTRACTS.md S1.
//!
//! Verification fixes the algorithm (never read from the token), picks the key by `kid`
//! from the configured set only, requires `exp`, `nbf`, `iss`, `aud`, `sub`, and checks the
//! `typ` header so no other kind of JWT passes as an access token.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Principal, Role, keys::SigningKey};

/// RFC 9068's media type for access tokens, in the `typ` header.
const ACCESS_TOKEN_TYP: &str = "at+jwt";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: Uuid,
    /// The tenant: the business this user acts for.
    tid: Uuid,
    role: Role,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: Uuid,
    /// The login (refresh-token family) this token belongs to, so that ending the login
    /// ends the token at once (checked per request in `validity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<Uuid>,
}

/// Why a token was refused; never shown to the client beyond "unauthorized".
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token header unreadable")]
    Header,
    #[error("wrong token type")]
    Type,
    #[error("unknown key id")]
    UnknownKey,
    #[error("token rejected: {0}")]
    Rejected(#[from] jsonwebtoken::errors::Error),
}

/// Issues and verifies access tokens. Cheap to share behind an `Arc`.
pub struct TokenService {
    issuer: String,
    audience: String,
    ttl_secs: i64,
    signing_kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    /// Public halves of every accepted key, for `/.well-known/jwks.json`.
    jwks: Vec<(String, String)>,
    validation: Validation,
    /// Tokens already verified, by their exact text: checking the signature was the
    /// largest fixed cost of an authenticated request (issue 18), and the same bytes
    /// verify the same way every time. Only the time claims are checked again.
    verified: moka::sync::Cache<String, Verified>,
}

/// A verified token's principal and the time claims to re-check on each use.
#[derive(Debug, Clone, Copy)]
struct Verified {
    principal: Principal,
    not_before: i64,
}

/// Verified tokens remembered; a client normally presents one for its whole lifetime.
const VERIFIED_CAPACITY: u64 = 50_000;
/// Longer texts (no token Execora issues is near this) are verified every time.
const VERIFIED_MAX_LEN: usize = 2048;

impl TokenService {
    /// Signs with `key`; also accepts tokens of the `rotated` keys (kept until every
    /// token they signed has expired).
    pub fn new(
        key: &SigningKey,
        rotated: &[SigningKey],
        issuer: &str,
        audience: &str,
        ttl_secs: u64,
    ) -> anyhow::Result<Self> {
        let encoding = EncodingKey::from_ed_pem(key.pem_bytes())?;
        let mut decoding = HashMap::new();
        let mut jwks = Vec::new();
        for k in std::iter::once(key).chain(rotated) {
            decoding.insert(k.kid.clone(), DecodingKey::from_ed_components(&k.public_x)?);
            jwks.push((k.kid.clone(), k.public_x.clone()));
        }
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        Ok(Self {
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            ttl_secs: i64::try_from(ttl_secs).unwrap_or(900),
            signing_kid: key.kid.clone(),
            encoding,
            decoding,
            jwks,
            validation,
            verified: moka::sync::Cache::builder()
                .max_capacity(VERIFIED_CAPACITY)
                .time_to_live(std::time::Duration::from_secs(ttl_secs.max(1)))
                .build(),
        })
    }

    /// Signs an access token outside any login (`execora token`, tests): only user-level
    /// revocation (removal, sign-out everywhere) ends it before it expires.
    pub fn issue(&self, tenant_id: Uuid, user_id: Uuid, role: Role) -> anyhow::Result<String> {
        self.sign(tenant_id, user_id, role, None)
    }

    /// Signs an access token of the login `login_id`: logout and refresh-token reuse end it.
    pub fn issue_for_login(
        &self,
        tenant_id: Uuid,
        user_id: Uuid,
        role: Role,
        login_id: Uuid,
    ) -> anyhow::Result<String> {
        self.sign(tenant_id, user_id, role, Some(login_id))
    }

    fn sign(
        &self,
        tenant_id: Uuid,
        user_id: Uuid,
        role: Role,
        sid: Option<Uuid>,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id,
            tid: tenant_id,
            role,
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
            jti: Uuid::new_v4(),
            sid,
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.signing_kid.clone());
        header.typ = Some(ACCESS_TOKEN_TYP.to_string());
        Ok(jsonwebtoken::encode(&header, &claims, &self.encoding)?)
    }

    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let now = i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap_or(i64::MAX);
        let leeway = i64::try_from(self.validation.leeway).unwrap_or(0);
        if let Some(v) = self.verified.get(token) {
            // The same rules as `Validation` (exp and nbf, with its leeway); out of
            // time, the full check below gives the precise refusal.
            if v.principal.expires_at >= now - leeway && v.not_before <= now + leeway {
                return Ok(v.principal);
            }
        }
        let verified = self.verify_signed(token)?;
        if token.len() <= VERIFIED_MAX_LEN {
            self.verified.insert(token.to_string(), verified);
        }
        Ok(verified.principal)
    }

    /// The signature, the header and every claim: what makes a token verified.
    fn verify_signed(&self, token: &str) -> Result<Verified, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Header)?;
        if header.typ.as_deref() != Some(ACCESS_TOKEN_TYP) {
            return Err(TokenError::Type);
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        let key = self.decoding.get(&kid).ok_or(TokenError::UnknownKey)?;
        let data = jsonwebtoken::decode::<Claims>(token, key, &self.validation)?;
        Ok(Verified {
            principal: Principal {
                tenant_id: data.claims.tid,
                user_id: data.claims.sub,
                role: data.claims.role,
                expires_at: data.claims.exp,
                issued_at: data.claims.iat,
                login_id: data.claims.sid,
            },
            not_before: data.claims.nbf,
        })
    }

    /// The JSON Web Key Set of every accepted key (RFC 7517, OKP/Ed25519).
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = self
            .jwks
            .iter()
            .map(|(kid, x)| serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}))
            .collect();
        serde_json::json!({ "keys": keys })
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(dir: &str) -> TokenService {
        let path = std::env::temp_dir().join(format!("execora-jwt-{dir}-{}", std::process::id()));
        let key = SigningKey::load_or_generate(&path).unwrap();
        TokenService::new(&key, &[], "execora", "execora-api", 60).unwrap()
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_tenant() {
        let svc = service("a");
        let (t, u) = (Uuid::new_v4(), Uuid::new_v4());
        let token = svc.issue(t, u, Role::Manager).unwrap();
        let p = svc.verify(&token).unwrap();
        assert_eq!((p.tenant_id, p.user_id, p.role), (t, u, Role::Manager));
    }

    #[test]
    fn tokens_from_another_key_are_refused() {
        let token = service("b")
            .issue(Uuid::new_v4(), Uuid::new_v4(), Role::Owner)
            .unwrap();
        assert!(matches!(
            service("c").verify(&token),
            Err(TokenError::UnknownKey)
        ));
    }

    #[test]
    fn tampered_and_unsigned_tokens_are_refused() {
        let svc = service("d");
        let token = svc
            .issue(Uuid::new_v4(), Uuid::new_v4(), Role::Staff)
            .unwrap();
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged_claims = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            br#"{"role":"owner"}"#,
        );
        parts[1] = &forged_claims;
        assert!(svc.verify(&parts.join(".")).is_err());
        let none_header = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            br#"{"alg":"none","typ":"at+jwt","kid":"x"}"#,
        );
        let unsigned = format!("{none_header}.{}.", token.split('.').nth(1).unwrap());
        assert!(svc.verify(&unsigned).is_err());
    }

    #[test]
    fn a_remembered_token_vouches_for_nothing_but_its_exact_text() {
        let svc = service("e");
        let token = svc
            .issue(Uuid::new_v4(), Uuid::new_v4(), Role::Staff)
            .unwrap();
        for _ in 0..2 {
            assert_eq!(svc.verify(&token).unwrap().role, Role::Staff);
        }
        let claims = token.split('.').nth(1).unwrap();
        let json =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, claims)
                .unwrap();
        let promoted = String::from_utf8(json)
            .unwrap()
            .replace("\"staff\"", "\"owner\"");
        let promoted =
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, promoted);
        let forged = token.replacen(claims, &promoted, 1);
        assert_ne!(forged, token);
        assert!(svc.verify(&forged).is_err());
        assert!(svc.verify(&token[..token.len() - 1]).is_err());
    }
}
