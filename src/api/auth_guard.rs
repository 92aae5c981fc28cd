//! The rate limits in front of the public auth endpoints (sign-up, login, codes,
//! refresh): per client IP, and per client IP and email.

use std::time::Duration;

use super::middleware::ClientIp;
use crate::{
    app::App,
    auth::{ratelimit::Limit, secrets},
    domain::users,
    error::ApiError,
};

fn hour(name: &'static str, limit: u64) -> Limit {
    Limit {
        name,
        limit,
        window: Duration::from_secs(3600),
    }
}

/// Per-IP and per-(IP, email) limits of the public auth endpoints. A Redis failure lets
/// the request through (logged): the OTP attempt limit still bounds guessing.
///
/// The email limit counts per client IP and email, not per email alone: ten wrong
/// passwords for someone else's address used to lock that person out of both password
/// and code login for an hour, from anywhere. Now they exhaust only the guesser's own
/// budget; the owner of the address, from their own IP, has theirs. What bounds
/// guessing one account from many addresses is the per-IP limit of each, the argon2
/// cost and the ten-character minimum (docs/security.md, "Limits").
pub(super) async fn guard(app: &App, ip: &ClientIp, email: Option<&str>) -> Result<(), ApiError> {
    let limits = &app.settings.limits;
    let mut checks = vec![(
        hour("auth_ip", limits.auth_per_ip_per_hour),
        ip.0.to_string(),
    )];
    if let Some(email) = email {
        let subject = hex::encode(secrets::token_hash(&format!(
            "{}|{}",
            ip.0,
            users::normalise_email(email)
        )));
        checks.push((
            hour("auth_ip_email", limits.auth_per_email_per_hour),
            subject,
        ));
    }
    for (limit, subject) in checks {
        match app.limiter.hit(limit, &subject).await {
            Ok(d) if !d.allowed => {
                app.metrics
                    .rate_limited
                    .with_label_values(&[limit.name])
                    .inc();
                return Err(ApiError::rate_limited(d.reset_secs));
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "auth rate limiter unavailable"),
        }
    }
    Ok(())
}
