//! Sign-up, login (password or email code), token refresh, logout, WebSocket tickets.
//!
//! Every endpoint here is public, so each counts against per-IP and (where an email is
//! given) per-IP-and-email limits in Redis before doing any work (`auth_guard`). Answers never reveal whether
//! an email is registered, except sign-up's "already registered".

use poem::web::Data;
use poem_openapi::{OpenApi, param::Header, payload::Json};
use uuid::Uuid;

pub use super::auth_types::TokenPair;
use super::{
    ApiTags,
    auth_guard::guard,
    auth_types::{
        NoContent, OtpRequest, OtpRequestResponse, OtpRequested, OtpVerify, PasswordLogin,
        RefreshRequest, SignUp, SignUpResponse, SignedUp, WsTicket,
    },
    middleware::ClientIp,
    security::BearerAuth,
};
use crate::{
    app::App,
    auth::{Role, passwords, revocation::Revoked, secrets, tickets::TICKET_TTL_SECS},
    domain::{sessions, users},
    error::ApiError,
    integrations::email,
};

pub struct AuthApi;

/// A new login: an access token and the first refresh token of a new family.
pub async fn issue_pair(
    app: &App,
    user: Uuid,
    tenant: Uuid,
    role: Role,
) -> Result<TokenPair, ApiError> {
    let refresh_token = secrets::random_token();
    let login = sessions::start(
        &app.pool,
        user,
        tenant,
        &secrets::token_hash(&refresh_token),
        app.settings.auth.refresh_ttl_days,
    )
    .await?;
    let access_token = app.tokens.issue_for_login(tenant, user, role, login)?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer".into(),
        expires_in: app.tokens.ttl_secs(),
        refresh_token,
    })
}

/// Mails a login code; runs detached from the request that asked for it, so failures
/// are only logged (the user asks again) and never change that request's answer.
async fn send_login_code(app: App, email: String, code: String) {
    let minutes = app.settings.auth.otp_ttl_secs / 60;
    let text = format!(
        "Your Execora login code is {code}.\n\nIt expires in {minutes} minutes. If you did not ask for it, ignore this email.\n"
    );
    let outcome = match app
        .mailer
        .send(&email, "Your Execora login code", text)
        .await
    {
        Ok(()) => "ok",
        Err(e) => {
            tracing::warn!(error = %e, "login code email not sent");
            "failed"
        }
    };
    app.metrics
        .auth_events
        .with_label_values(&["otp_sent", outcome])
        .inc();
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "email or password is wrong")
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Create a business and its owner, and log the owner in.
    #[oai(path = "/businesses", method = "post", operation_id = "signUp")]
    async fn sign_up(
        &self,
        app: Data<&App>,
        ip: Data<&ClientIp>,
        /// Makes a retried sign-up return the first answer instead of a conflict.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: Json<SignUp>,
    ) -> Result<SignUpResponse, ApiError> {
        guard(app.0, ip.0, Some(&body.owner_email)).await?;
        if !email::deliverable(&body.owner_email) {
            return Err(email::undeliverable());
        }
        let hash = passwords::hash(&body.password)?;
        let (business_id, user) = users::sign_up(
            &app.pool,
            &body.business_name,
            &body.owner_email,
            &body.owner_name,
            Some(&hash),
        )
        .await
        .map_err(|e| match e {
            users::UserError::EmailTaken => {
                ApiError::conflict("email_taken", "that email is already registered")
            }
            users::UserError::Db(db) => db.into(),
        })?;
        let tokens = issue_pair(app.0, user.id, business_id, Role::Owner).await?;
        Ok(SignUpResponse::Created(Json(SignedUp {
            business_id,
            user: user.into(),
            tokens,
        })))
    }

    /// Log in with email and password.
    #[oai(path = "/auth/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        app: Data<&App>,
        ip: Data<&ClientIp>,
        body: Json<PasswordLogin>,
    ) -> Result<Json<TokenPair>, ApiError> {
        guard(app.0, ip.0, Some(&body.email)).await?;
        let creds = users::credentials(&app.pool, &body.email).await?;
        // Verify against a dummy hash for unknown emails, so timing reveals nothing.
        let hash = creds.as_ref().and_then(|c| c.password_hash.clone());
        let ok = passwords::verify(
            &body.password,
            hash.as_deref().unwrap_or(passwords::dummy_hash()),
        ) && hash.is_some();
        let Some(creds) = creds.filter(|_| ok) else {
            app.metrics
                .auth_events
                .with_label_values(&["login", "refused"])
                .inc();
            return Err(invalid_credentials());
        };
        app.metrics
            .auth_events
            .with_label_values(&["login", "ok"])
            .inc();
        let role = Role::parse(&creds.role).unwrap_or(Role::Staff);
        Ok(Json(
            issue_pair(app.0, creds.id, creds.business_id, role).await?,
        ))
    }

    /// Email a 6-digit login code (valid 5 minutes, 5 attempts).
    #[oai(path = "/auth/otp", method = "post", operation_id = "requestOtp")]
    async fn request_otp(
        &self,
        app: Data<&App>,
        ip: Data<&ClientIp>,
        body: Json<OtpRequest>,
    ) -> Result<OtpRequestResponse, ApiError> {
        guard(app.0, ip.0, Some(&body.email)).await?;
        let expires_in = app.settings.auth.otp_ttl_secs;
        let accepted = OtpRequestResponse::Accepted(Json(OtpRequested {
            status: "sent".into(),
            expires_in,
        }));
        // Says nothing about who is registered: it is about the address's shape only.
        if !email::deliverable(&body.email) {
            return Err(email::undeliverable());
        }
        let email = users::normalise_email(&body.email);
        // The same work for every address, registered or not (a lookup and a code in
        // Redis), and the mail leaves off the request path: neither the answer nor its
        // time says whether the address has an account, with or without SMTP.
        let registered = users::credentials(&app.pool, &email).await?.is_some();
        let code = app.otp.issue(&email).await.map_err(|e| {
            tracing::warn!(error = %e, "otp store unavailable");
            ApiError::unavailable("try again shortly")
        })?;
        if registered {
            tokio::spawn(send_login_code(app.0.clone(), email, code));
        }
        Ok(accepted)
    }

    /// Trade an emailed code for tokens.
    #[oai(path = "/auth/otp/verify", method = "post", operation_id = "verifyOtp")]
    async fn verify_otp(
        &self,
        app: Data<&App>,
        ip: Data<&ClientIp>,
        body: Json<OtpVerify>,
    ) -> Result<Json<TokenPair>, ApiError> {
        use crate::auth::otp::OtpCheck;
        guard(app.0, ip.0, Some(&body.email)).await?;
        let email = users::normalise_email(&body.email);
        let check = app.otp.check(&email, &body.code).await.map_err(|e| {
            tracing::warn!(error = %e, "otp store unavailable");
            ApiError::unavailable("try again shortly")
        })?;
        app.metrics
            .auth_events
            .with_label_values(&[
                "otp",
                if check == OtpCheck::Accepted {
                    "ok"
                } else {
                    "refused"
                },
            ])
            .inc();
        match check {
            OtpCheck::Accepted => {}
            OtpCheck::Locked => {
                return Err(ApiError::unauthorized(
                    "otp_locked",
                    "too many wrong codes; request a new one",
                ));
            }
            OtpCheck::Wrong | OtpCheck::Missing => {
                return Err(ApiError::unauthorized(
                    "invalid_code",
                    "the code is wrong or expired",
                ));
            }
        }
        let creds = users::credentials(&app.pool, &email)
            .await?
            .ok_or_else(|| {
                ApiError::unauthorized("invalid_code", "the code is wrong or expired")
            })?;
        let role = Role::parse(&creds.role).unwrap_or(Role::Staff);
        Ok(Json(
            issue_pair(app.0, creds.id, creds.business_id, role).await?,
        ))
    }

    /// Trade a refresh token for a new pair. Each refresh token works once; presenting
    /// a spent one ends the whole login.
    #[oai(
        path = "/auth/refresh",
        method = "post",
        operation_id = "refreshTokens"
    )]
    async fn refresh(
        &self,
        app: Data<&App>,
        ip: Data<&ClientIp>,
        body: Json<RefreshRequest>,
    ) -> Result<Json<TokenPair>, ApiError> {
        guard(app.0, ip.0, None).await?;
        let successor = secrets::random_token();
        let outcome = sessions::rotate(
            &app.pool,
            &secrets::token_hash(&body.refresh_token),
            &secrets::token_hash(&successor),
            app.settings.auth.refresh_grace_secs,
        )
        .await?;
        let (owner, login) = match outcome {
            sessions::Refresh::Rotated(owner, login) => (owner, login),
            sessions::Refresh::ReuseDetected(login) => {
                app.revocations
                    .publish(&Revoked::login(
                        login.business_id,
                        login.user_id,
                        login.family_id,
                    ))
                    .await;
                app.metrics
                    .auth_events
                    .with_label_values(&["refresh", "reuse_detected"])
                    .inc();
                tracing::warn!("refresh token reuse: login family revoked");
                return Err(ApiError::unauthorized(
                    "refresh_token_reused",
                    "this login was ended for safety; log in again",
                ));
            }
            sessions::Refresh::Invalid => {
                return Err(ApiError::unauthorized(
                    "invalid_refresh_token",
                    "log in again",
                ));
            }
        };
        let role = Role::parse(&owner.role).unwrap_or(Role::Staff);
        let access_token =
            app.tokens
                .issue_for_login(owner.business_id, owner.user_id, role, login)?;
        Ok(Json(TokenPair {
            access_token,
            token_type: "Bearer".into(),
            expires_in: app.tokens.ttl_secs(),
            refresh_token: successor,
        }))
    }

    /// End this login (its refresh tokens stop working).
    #[oai(path = "/auth/logout", method = "post", operation_id = "logout")]
    async fn logout(
        &self,
        app: Data<&App>,
        body: Json<RefreshRequest>,
    ) -> Result<NoContent, ApiError> {
        let ended =
            sessions::revoke_family(&app.pool, &secrets::token_hash(&body.refresh_token)).await?;
        if let Some(login) = ended {
            app.revocations
                .publish(&Revoked::login(
                    login.business_id,
                    login.user_id,
                    login.family_id,
                ))
                .await;
        }
        Ok(NoContent::Done)
    }

    /// Sign out everywhere: every token of the caller issued until now stops working.
    #[oai(
        path = "/auth/sessions/revoke",
        method = "post",
        operation_id = "revokeAllSessions"
    )]
    async fn revoke_all(&self, app: Data<&App>, auth: BearerAuth) -> Result<NoContent, ApiError> {
        let cutoff = users::revoke_all_sessions(&app.pool, auth.0.user_id).await?;
        // Open sockets of this user, on every server, close now.
        app.revocations
            .publish(&Revoked {
                tenant_id: auth.0.tenant_id,
                user_id: auth.0.user_id,
                login_id: None,
                not_before: cutoff,
                removed: false,
            })
            .await;
        Ok(NoContent::Done)
    }

    /// A single-use ticket (60 s) for browsers to open `/ws?ticket=…`.
    #[oai(
        path = "/auth/ws-ticket",
        method = "post",
        operation_id = "createWsTicket"
    )]
    async fn ws_ticket(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
    ) -> Result<Json<WsTicket>, ApiError> {
        let ticket = app.tickets.issue(&auth.0).await.map_err(|e| {
            tracing::warn!(error = %e, "ticket store unavailable");
            ApiError::unavailable("try again shortly")
        })?;
        Ok(Json(WsTicket {
            ticket,
            expires_in: TICKET_TTL_SECS,
        }))
    }
}
