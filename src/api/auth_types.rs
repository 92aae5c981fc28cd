//! Request and response bodies of the auth endpoints (`AuthApi` in `auth`).
//!
//! They are declarations only: their names, doc comments and validators are what the
//! OpenAPI document shows, so they are kept apart from the handlers' rate limiting and
//! token logic, and a change here is a change to the published API.

use poem_openapi::{ApiResponse, Object, payload::Json};
use uuid::Uuid;

use super::users::UserView;

/// An access token and the refresh token that renews it.
#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub struct TokenPair {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque, single use: trade it at `/auth/refresh` for a new pair.
    pub refresh_token: String,
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub(super) struct SignUp {
    #[oai(validator(min_length = 1, max_length = 120))]
    pub(super) business_name: String,
    #[oai(validator(min_length = 1, max_length = 120))]
    pub(super) owner_name: String,
    #[oai(validator(
        min_length = 3,
        max_length = 254,
        pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ))]
    pub(super) owner_email: String,
    #[oai(validator(min_length = 10, max_length = 256))]
    pub(super) password: String,
}

#[derive(Object)]
pub(super) struct SignedUp {
    pub(super) business_id: Uuid,
    pub(super) user: UserView,
    pub(super) tokens: TokenPair,
}

#[derive(ApiResponse)]
pub(super) enum SignUpResponse {
    /// The business and its owner exist; the owner is logged in.
    #[oai(status = 201)]
    Created(Json<SignedUp>),
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub(super) struct PasswordLogin {
    #[oai(validator(min_length = 3, max_length = 254))]
    pub(super) email: String,
    #[oai(validator(min_length = 1, max_length = 256))]
    pub(super) password: String,
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub(super) struct OtpRequest {
    #[oai(validator(min_length = 3, max_length = 254))]
    pub(super) email: String,
}

#[derive(Object)]
pub(super) struct OtpRequested {
    /// Always `sent`: the answer does not tell whether the email is registered.
    pub(super) status: String,
    /// Seconds the code stays valid.
    pub(super) expires_in: u64,
}

#[derive(ApiResponse)]
pub(super) enum OtpRequestResponse {
    /// If the email belongs to a user, a code is on its way.
    #[oai(status = 202)]
    Accepted(Json<OtpRequested>),
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub(super) struct OtpVerify {
    #[oai(validator(min_length = 3, max_length = 254))]
    pub(super) email: String,
    #[oai(validator(min_length = 6, max_length = 6, pattern = r"^[0-9]{6}$"))]
    pub(super) code: String,
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub(super) struct RefreshRequest {
    #[oai(validator(min_length = 1, max_length = 256))]
    pub(super) refresh_token: String,
}

#[derive(ApiResponse)]
pub(super) enum NoContent {
    /// Done.
    #[oai(status = 204)]
    Done,
}

#[derive(Object)]
#[oai(example)]
pub(super) struct WsTicket {
    /// Pass as `/ws?ticket=…` within `expires_in` seconds; it works once.
    pub(super) ticket: String,
    pub(super) expires_in: u64,
}

impl poem_openapi::types::Example for SignUp {
    fn example() -> Self {
        Self {
            business_name: "Sharma Kirana Store".into(),
            owner_name: "Ravi Sharma".into(),
            owner_email: "ravi@sharmakirana.in".into(),
            password: "chai-aur-biskut-2026".into(),
        }
    }
}

impl poem_openapi::types::Example for PasswordLogin {
    fn example() -> Self {
        Self {
            email: "ravi@sharmakirana.in".into(),
            password: "chai-aur-biskut-2026".into(),
        }
    }
}

impl poem_openapi::types::Example for OtpRequest {
    fn example() -> Self {
        Self {
            email: "ravi@sharmakirana.in".into(),
        }
    }
}

impl poem_openapi::types::Example for OtpVerify {
    fn example() -> Self {
        Self {
            email: "ravi@sharmakirana.in".into(),
            code: "482913".into(),
        }
    }
}

impl poem_openapi::types::Example for RefreshRequest {
    fn example() -> Self {
        Self {
            refresh_token: "q2u0b3lQdm9oZkR4Y0JjT1N5bFJ2d2NqY2Zr".into(),
        }
    }
}

impl poem_openapi::types::Example for TokenPair {
    fn example() -> Self {
        Self {
            access_token: "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0.e30.c2ln".into(),
            token_type: "Bearer".into(),
            expires_in: 900,
            refresh_token: "q2u0b3lQdm9oZkR4Y0JjT1N5bFJ2d2NqY2Zr".into(),
        }
    }
}

impl poem_openapi::types::Example for WsTicket {
    fn example() -> Self {
        Self {
            ticket: "wst_9f2c4e7a1b3d5f60".into(),
            expires_in: 60,
        }
    }
}
