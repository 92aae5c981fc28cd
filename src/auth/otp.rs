//! Email login codes in Redis: stored as a keyed hash, expiring, attempt-limited.
//!
//! One Lua script checks and counts atomically, so parallel guesses cannot exceed the
//! attempt limit; a correct code is deleted as it is accepted (single use).

use redis::aio::ConnectionManager;

use super::secrets;

const VERIFY_SCRIPT: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
if attempts >= tonumber(ARGV[2]) then return 'locked' end
if redis.call('HGET', KEYS[1], 'code') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 'ok'
end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if attempts + 1 >= tonumber(ARGV[2]) then return 'locked' end
return 'wrong'
"#;

/// Stores a new code only when none is live (missing, or locked by wrong guesses), so
/// asking again does not mail a second code nor reset the guess count.
const ISSUE_UNLESS_LIVE_SCRIPT: &str = r#"
local attempts = redis.call('HGET', KEYS[1], 'attempts')
if attempts and tonumber(attempts) < tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'code', ARGV[1], 'attempts', 0)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"#;

/// The outcome of presenting a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpCheck {
    Accepted,
    Wrong,
    /// Too many wrong guesses: the code is dead until it expires; ask for a new one.
    Locked,
    /// No code outstanding (never sent, expired, or already used).
    Missing,
}

#[derive(Clone)]
pub struct OtpStore {
    conn: ConnectionManager,
    namespace: String,
    key: Vec<u8>,
    ttl_secs: u64,
    max_attempts: u32,
}

impl OtpStore {
    pub fn new(
        conn: ConnectionManager,
        namespace: &str,
        key: Vec<u8>,
        ttl_secs: u64,
        max_attempts: u32,
    ) -> Self {
        Self {
            conn,
            namespace: namespace.to_string(),
            key,
            ttl_secs,
            max_attempts,
        }
    }

    fn redis_key(&self, email: &str) -> String {
        format!(
            "{}:otp:{}",
            self.namespace,
            hex::encode(secrets::token_hash(email))
        )
    }

    /// A new code for `email`, replacing any outstanding one.
    pub async fn issue(&self, email: &str) -> redis::RedisResult<String> {
        let code = secrets::six_digit_code();
        let hashed = secrets::keyed_hash(&self.key, &[email, &code]);
        let key = self.redis_key(email);
        let mut conn = self.conn.clone();
        redis::pipe()
            .atomic()
            .del(&key)
            .hset(&key, "code", hashed)
            .hset(&key, "attempts", 0)
            .expire(&key, self.ttl_secs as i64)
            .query_async::<()>(&mut conn)
            .await?;
        Ok(code)
    }

    /// A new code for `subject` unless one is live; `None` when one is (it was sent).
    pub async fn issue_unless_live(&self, subject: &str) -> redis::RedisResult<Option<String>> {
        let code = secrets::six_digit_code();
        let hashed = secrets::keyed_hash(&self.key, &[subject, &code]);
        let mut conn = self.conn.clone();
        let stored: i64 = redis::Script::new(ISSUE_UNLESS_LIVE_SCRIPT)
            .key(self.redis_key(subject))
            .arg(hashed)
            .arg(self.max_attempts)
            .arg(self.ttl_secs)
            .invoke_async(&mut conn)
            .await?;
        Ok((stored == 1).then_some(code))
    }

    /// Drops `subject`'s code (one that could not be delivered).
    pub async fn forget(&self, subject: &str) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        redis::cmd("DEL")
            .arg(self.redis_key(subject))
            .query_async(&mut conn)
            .await
    }

    pub async fn check(&self, email: &str, code: &str) -> redis::RedisResult<OtpCheck> {
        let hashed = secrets::keyed_hash(&self.key, &[email, code.trim()]);
        let mut conn = self.conn.clone();
        let outcome: String = redis::Script::new(VERIFY_SCRIPT)
            .key(self.redis_key(email))
            .arg(hashed)
            .arg(self.max_attempts)
            .invoke_async(&mut conn)
            .await?;
        Ok(match outcome.as_str() {
            "ok" => OtpCheck::Accepted,
            "wrong" => OtpCheck::Wrong,
            "locked" => OtpCheck::Locked,
            _ => OtpCheck::Missing,
        })
    }
}
