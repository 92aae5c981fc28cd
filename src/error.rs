//! The one error envelope every HTTP error uses, and the mapping into it.
//!
//! Handlers return [`ApiError`]; poem's own errors (a malformed body, an unknown route,
//! a rejected token) are converted by [`envelope_for`] in the outermost middleware, so a
//! client always gets `{"code": "...", "message": "..."}` with a stable snake_case code.
//! Internal details are logged once and never sent: the client sees `internal`. The
//! cause is logged at `warn`, where it happens; the request's single error event (with
//! its `error.kind`) comes from the outermost middleware once the 5xx status is known.

use poem::http::StatusCode;
use poem_openapi::{ApiResponse, Object, payload::Json};

/// The body of every error response.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[oai(example, skip_serializing_if_is_none)]
pub struct ErrorBody {
    /// Stable, snake_case, safe to branch on (for example `not_found`, `invalid_body`).
    pub code: String,
    /// Human-readable explanation; wording may change.
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

impl poem_openapi::types::Example for ErrorBody {
    fn example() -> Self {
        Self::new("not_found", "customer not found")
    }
}

/// The error half of every operation's result; each variant is declared in the spec.
///
/// The same set is declared on every operation (one envelope, one list), so the wording
/// is general: a `code` says precisely what happened.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request could not be parsed: malformed JSON, a wrong type, an unknown enum
    /// value, a parameter out of range, a missing body (`invalid_body`,
    /// `invalid_parameter`), a JSON object naming a key twice (`duplicate_json_key`).
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Not authenticated: a missing, expired or invalid access token (`unauthorized`),
    /// or wrong credentials, code or refresh token where those are what is checked.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// The token is valid but its role may not do this (`forbidden`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such object for this tenant (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The object is in a state that does not allow this, or an `Idempotency-Key` request
    /// is still running.
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The body is larger than this route takes (`payload_too_large`), refused before
    /// it is read: JSON bodies `EXECORA_HTTP_MAX_JSON_BODY_BYTES` (64 KiB), webhooks
    /// `EXECORA_HTTP_MAX_WEBHOOK_BODY_BYTES` (4 MiB), a recording upload
    /// `EXECORA_VOICE_MAX_AUDIO_BYTES` (10 MiB) plus 64 KiB of form fields.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// The body's `Content-Type` is missing or not one the operation takes
    /// (`unsupported_media_type`).
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// The request parsed but a value is not acceptable; the `code` names which rule
    /// (e.g. `amount_too_large`: an amount, or the business's ledger with it, past the
    /// bounds that keep every balance inside 64 bits; `reminder_too_frequent`).
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Too many requests; retry after the given number of seconds (`rate_limited`).
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
    /// A dependency (Postgres, Redis) is unavailable (`unavailable`), or the server is
    /// accepting more jobs than it can record and sheds load (`busy`); retry after the
    /// given number of seconds.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
    /// Something failed inside; the details are in the server log under the request id.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
}

impl ApiError {
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(Json(ErrorBody::new(
            "not_found",
            format!("{what} not found"),
        )))
    }
    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::Conflict(Json(ErrorBody::new(code, message)))
    }
    pub fn unprocessable(code: &str, message: impl Into<String>) -> Self {
        Self::Unprocessable(Json(ErrorBody::new(code, message)))
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(Json(ErrorBody::new("forbidden", message)))
    }
    pub fn unauthorized(code: &str, message: impl Into<String>) -> Self {
        Self::Unauthorized(Json(ErrorBody::new(code, message)))
    }
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::TooManyRequests(
            Json(ErrorBody::new(
                "rate_limited",
                "too many requests; see Retry-After",
            )),
            retry_after_secs.max(1),
        )
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable(Json(ErrorBody::new("unavailable", message)), 1)
    }
    /// Load shed on purpose (the job-record writer is full): nothing is broken, and a
    /// retry a moment later is expected to succeed.
    pub fn busy(message: impl Into<String>) -> Self {
        Self::Unavailable(Json(ErrorBody::new("busy", message)), 1)
    }
    /// Logs the cause once and answers a generic 500.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %cause, "internal error");
        Self::Internal(Json(ErrorBody::new("internal", "internal error")))
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::warn!(error = %e, "database unavailable");
                Self::unavailable("database unavailable")
            }
            // Text Postgres cannot store: a NUL character (U+0000) in a text column (22021)
            // or a jsonb document (22P05, e.g. a job's input).
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("22021" | "22P05")) =>
            {
                tracing::info!(error = %db, "text the database cannot store");
                Self::unprocessable(
                    "invalid_text",
                    "text must not contain NUL (U+0000) characters",
                )
            }
            // An amount past the bounds that keep every sum of money inside bigint.
            sqlx::Error::Database(db) if crate::domain::amounts::is_bound(db.as_ref()) => {
                tracing::info!(error = %db, "amount past its bound");
                Self::unprocessable(
                    crate::domain::amounts::TOO_LARGE,
                    "the amount, or this business's ledger with it, is larger than allowed",
                )
            }
            // A value the column cannot hold (a sum past bigint, a date past the calendar):
            // the client's numbers, not a fault here. Inputs are bounded in the spec; this
            // catches what their combination can still reach (stock plus a large delta).
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("22003" | "22008" | "22001")) =>
            {
                tracing::info!(error = %db, "value out of range for the database");
                Self::unprocessable(
                    "value_out_of_range",
                    "a value, or the result of applying it, is out of the allowed range",
                )
            }
            other => Self::internal(other),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        Self::internal(format!("{e:#}"))
    }
}

/// The code and message of an error, for transports other than HTTP (the WebSocket).
pub fn api_error_parts(e: ApiError) -> (String, String) {
    match e {
        ApiError::BadRequest(Json(b))
        | ApiError::Unauthorized(Json(b))
        | ApiError::Forbidden(Json(b))
        | ApiError::NotFound(Json(b))
        | ApiError::Conflict(Json(b))
        | ApiError::PayloadTooLarge(Json(b))
        | ApiError::UnsupportedMediaType(Json(b))
        | ApiError::Unprocessable(Json(b))
        | ApiError::TooManyRequests(Json(b), _)
        | ApiError::Unavailable(Json(b), _)
        | ApiError::Internal(Json(b)) => (b.code, b.message),
    }
}

/// Maps any poem error that escaped a handler to a status and envelope.
pub fn envelope_for(err: &poem::Error) -> (StatusCode, ErrorBody) {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseParamError, ParseRequestPayloadError,
    };
    let status = err.status();
    let (code, message) = if err.is::<ParseRequestPayloadError>() {
        ("invalid_body", err.to_string())
    } else if err.is::<ParseParamError>() {
        ("invalid_parameter", err.to_string())
    } else if err.is::<ContentTypeError>() {
        ("unsupported_media_type", err.to_string())
    } else if err.is::<AuthorizationError>() || status == StatusCode::UNAUTHORIZED {
        (
            "unauthorized",
            "missing or invalid access token".to_string(),
        )
    } else {
        match status {
            StatusCode::NOT_FOUND => ("not_found", "no such route".to_string()),
            StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "method not allowed".into()),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "request body too large".into()),
            StatusCode::FORBIDDEN => ("forbidden", "forbidden".into()),
            StatusCode::TOO_MANY_REQUESTS => ("rate_limited", "too many requests".into()),
            StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "service unavailable".into()),
            s if s.is_client_error() => ("bad_request", err.to_string()),
            _ => {
                tracing::warn!(error = %err, "unhandled error");
                ("internal", "internal error".into())
            }
        }
    };
    // Parse errors can be 400 or (for a well-formed body with a bad value) still 400 in
    // poem-openapi; the code tells the client which it was.
    (status, ErrorBody::new(code, message))
}
