//! The owner's erasure codes: asked for by staff (REST or voice), mailed to the owner,
//! said or typed back to confirm an erasure.
//!
//! Three bounds keep a code from being guessed or the owner from being flooded, all per
//! customer and all in Redis (shared by every server):
//! - one live code at a time: asking again while a code is live mails nothing and keeps
//!   its guess count (a new code per request used to reset it, so guessing never ended);
//! - `EXECORA_AUTH_ERASURE_REQUESTS_PER_HOUR` requests per customer per hour;
//! - `EXECORA_AUTH_ERASURE_GUESSES_PER_DAY` guesses per customer per day, across codes
//!   and requests, on top of each code's own attempt limit.

use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    auth::{
        otp::{OtpCheck, OtpStore},
        ratelimit::{Limit, RateLimiter},
    },
    domain::{customers, users},
    engine::execute::{CodeRequest, ErasureCodes},
    integrations::email::Mailer,
};

/// Why a code could not be asked for.
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("the business has no owner to confirm")]
    NoOwner,
    #[error("code store: {0}")]
    Store(#[from] redis::RedisError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the code email was not sent: {0}")]
    Mail(String),
}

/// The bounds, from settings.
#[derive(Debug, Clone, Copy)]
pub struct CodeLimits {
    pub requests_per_hour: u64,
    pub guesses_per_day: u64,
    pub ttl_minutes: u64,
}

/// Erasure codes emailed to the business owner; the REST routes and voice share them.
pub struct OwnerCodes {
    pub pool: PgPool,
    pub otp: OtpStore,
    pub mailer: Mailer,
    pub limiter: RateLimiter,
    pub limits: CodeLimits,
}

impl OwnerCodes {
    /// Mails the owner a code for `customer`, unless one is live or asking is throttled;
    /// `who` opens the email ("Someone asked by voice").
    pub async fn request(
        &self,
        tenant: Uuid,
        customer: Uuid,
        who: &str,
    ) -> Result<CodeRequest, CodeError> {
        let throttle = Limit {
            name: "erasure_request",
            limit: self.limits.requests_per_hour,
            window: Duration::from_secs(3600),
        };
        let decision = self.limiter.hit(throttle, &customer.to_string()).await?;
        if !decision.allowed {
            return Ok(CodeRequest::Throttled {
                retry_after_secs: decision.reset_secs.max(1),
            });
        }
        let owner = users::list(&self.pool, tenant)
            .await?
            .into_iter()
            .find(|u| u.role == "owner")
            .ok_or(CodeError::NoOwner)?;
        let subject = customers::erasure_code_subject(customer);
        let Some(code) = self.otp.issue_unless_live(&subject).await? else {
            return Ok(CodeRequest::AlreadySent);
        };
        let text = format!(
            "{who} to erase a customer's personal data in Execora.\n\nTo confirm, give this code: {code}\n\nIt expires in {} minutes. If you did not expect this, ignore it.\n",
            self.limits.ttl_minutes
        );
        if let Err(e) = self
            .mailer
            .send(&owner.email, "Confirm a customer erasure", text)
            .await
        {
            // An undelivered code must not count as live, or no code would be mailed
            // until it expired.
            if let Err(forget) = self.otp.forget(&subject).await {
                tracing::warn!(error = %forget, "undelivered erasure code not dropped");
            }
            return Err(CodeError::Mail(e.to_string()));
        }
        Ok(CodeRequest::Sent)
    }

    /// Checks a guess; past the customer's daily guess budget every guess is refused
    /// (`Locked`) without looking at the code.
    pub async fn check(&self, customer: Uuid, code: &str) -> redis::RedisResult<OtpCheck> {
        let budget = Limit {
            name: "erasure_guess",
            limit: self.limits.guesses_per_day,
            window: Duration::from_secs(24 * 3600),
        };
        if !self
            .limiter
            .hit(budget, &customer.to_string())
            .await?
            .allowed
        {
            return Ok(OtpCheck::Locked);
        }
        self.otp
            .check(&customers::erasure_code_subject(customer), code)
            .await
    }
}

impl ErasureCodes for OwnerCodes {
    fn send_code<'a>(
        &'a self,
        tenant: Uuid,
        customer: Uuid,
    ) -> BoxFuture<'a, Result<CodeRequest, String>> {
        Box::pin(async move {
            self.request(tenant, customer, "Someone asked by voice")
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn check_code<'a>(
        &'a self,
        _tenant: Uuid,
        customer: Uuid,
        code: &'a str,
    ) -> BoxFuture<'a, Result<bool, String>> {
        Box::pin(async move {
            let check = self
                .check(customer, code)
                .await
                .map_err(|e| e.to_string())?;
            Ok(check == OtpCheck::Accepted)
        })
    }
}
