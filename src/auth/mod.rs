//! Who is calling: access-token verification and issuing, and the tenant context.
//!
//! A verified token becomes a [`Principal`]: the tenant (business) every query is scoped
//! by, the user, and the role. Handlers take a `Principal`, never raw claims.

pub mod budget;
pub mod jwt;
pub mod keys;
pub mod otp;
pub mod passwords;
pub mod permissions;
pub mod ratelimit;
pub mod revocation;
pub mod secrets;
pub mod tickets;
pub mod validity;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A user's role in their business; what each may do is [`permissions::TABLE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, poem_openapi::Enum)]
#[serde(rename_all = "lowercase")]
#[oai(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Manager,
    Staff,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(Self::Owner),
            "manager" => Some(Self::Manager),
            "staff" => Some(Self::Staff),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Manager => "manager",
            Self::Staff => "staff",
        }
    }
}

/// The verified caller of a request or WebSocket session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub role: Role,
    /// Expiry of the token that proved this, as Unix seconds.
    pub expires_at: i64,
    /// When that token was issued, as Unix seconds ("sign out everywhere" refuses older).
    pub issued_at: i64,
    /// The login (refresh-token family) the token was issued under; logout and
    /// refresh-token reuse end it, and with it the token. `None` for tokens minted
    /// outside a login (`execora token`), which only user-level revocation ends.
    pub login_id: Option<Uuid>,
}
