//! Single-use WebSocket tickets: browsers cannot send `Authorization` on an upgrade, and
//! a JWT in a URL ends up in proxy logs, so an authenticated client trades its token for
//! a ticket that lives 60 s and works once (`GETDEL`).

use redis::aio::ConnectionManager;
use uuid::Uuid;

use super::{Principal, Role, secrets};

pub const TICKET_TTL_SECS: u64 = 60;

#[derive(Clone)]
pub struct TicketStore {
    conn: ConnectionManager,
    namespace: String,
}

impl TicketStore {
    pub fn new(conn: ConnectionManager, namespace: &str) -> Self {
        Self {
            conn,
            namespace: namespace.to_string(),
        }
    }

    fn key(&self, ticket: &str) -> String {
        format!(
            "{}:wsticket:{}",
            self.namespace,
            hex::encode(secrets::token_hash(ticket))
        )
    }

    pub async fn issue(&self, p: &Principal) -> redis::RedisResult<String> {
        let ticket = secrets::random_token();
        let value = format!(
            "{}|{}|{}|{}|{}|{}",
            p.tenant_id,
            p.user_id,
            p.role.as_str(),
            p.expires_at,
            p.issued_at,
            p.login_id.map(|l| l.to_string()).unwrap_or_default()
        );
        let mut conn = self.conn.clone();
        redis::cmd("SET")
            .arg(self.key(&ticket))
            .arg(value)
            .arg("EX")
            .arg(TICKET_TTL_SECS)
            .query_async::<()>(&mut conn)
            .await?;
        Ok(ticket)
    }

    /// The principal the ticket was issued to, once.
    pub async fn redeem(&self, ticket: &str) -> redis::RedisResult<Option<Principal>> {
        let mut conn = self.conn.clone();
        let value: Option<String> = redis::cmd("GETDEL")
            .arg(self.key(ticket))
            .query_async(&mut conn)
            .await?;
        Ok(value.and_then(|v| {
            let mut parts = v.split('|');
            Some(Principal {
                tenant_id: parts.next()?.parse::<Uuid>().ok()?,
                user_id: parts.next()?.parse::<Uuid>().ok()?,
                role: Role::parse(parts.next()?)?,
                expires_at: parts.next()?.parse().ok()?,
                issued_at: parts.next()?.parse().ok()?,
                // Empty for a token minted outside a login.
                login_id: parts.next().and_then(|l| l.parse().ok()),
            })
        }))
    }
}
