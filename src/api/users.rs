//! `/api/v1/me` and `/api/v1/users`: the people of the caller's business.
//!
//! Permissions (docs/security.md has the whole table): anyone may read; only the owner
//! invites and removes users.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Path},
    payload::Json,
};
use uuid::Uuid;

use super::{ApiTags, security::BearerAuth};
use crate::auth::{permissions::Action, revocation::Revoked};
use crate::{app::App, auth::Role, domain::users, error::ApiError};

pub struct UsersApi;

/// A person of the business.
#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

impl From<users::User> for UserView {
    fn from(u: users::User) -> Self {
        Self {
            role: u.role(),
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            created_at: u.created_at,
        }
    }
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct Invite {
    #[oai(validator(
        min_length = 3,
        max_length = 254,
        pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ))]
    email: String,
    #[oai(validator(min_length = 1, max_length = 120))]
    display_name: String,
    role: Role,
}

#[derive(ApiResponse)]
enum Invited {
    /// The user exists and can log in with an emailed code.
    #[oai(status = 201)]
    Created(Json<UserView>),
}

#[derive(ApiResponse)]
enum Removed {
    /// Removed; their sessions have ended.
    #[oai(status = 204)]
    Done,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Users")]
impl UsersApi {
    /// The caller.
    #[oai(path = "/me", method = "get", operation_id = "getMe")]
    async fn me(&self, app: Data<&App>, auth: BearerAuth) -> Result<Json<UserView>, ApiError> {
        let user = users::get(&app.pool, auth.0.tenant_id, auth.0.user_id)
            .await?
            .ok_or_else(|| ApiError::not_found("user"))?;
        Ok(Json(user.into()))
    }

    /// Everyone in the business.
    #[oai(path = "/users", method = "get", operation_id = "listUsers")]
    async fn list(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
    ) -> Result<Json<Vec<UserView>>, ApiError> {
        Ok(Json(
            users::list(&app.pool, auth.0.tenant_id)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// One person of the business.
    #[oai(path = "/users/:id", method = "get", operation_id = "getUser")]
    async fn get(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_user_id")] id: Path<Uuid>,
    ) -> Result<Json<UserView>, ApiError> {
        let user = users::get(&app.pool, auth.0.tenant_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("user"))?;
        Ok(Json(user.into()))
    }

    /// Add a person to the business (owner only).
    #[oai(path = "/users", method = "post", operation_id = "inviteUser")]
    async fn invite(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] _idempotency_key: Header<Option<String>>,
        body: Json<Invite>,
    ) -> Result<Invited, ApiError> {
        if !auth.0.role.may(Action::ManageUsers) {
            return Err(ApiError::forbidden("only the owner adds users"));
        }
        if !crate::integrations::email::deliverable(&body.email) {
            return Err(crate::integrations::email::undeliverable());
        }
        let user = users::invite(
            &app.pool,
            auth.0.tenant_id,
            &body.email,
            &body.display_name,
            body.role,
        )
        .await
        .map_err(|e| match e {
            users::UserError::EmailTaken => {
                ApiError::conflict("email_taken", "that email is already registered")
            }
            users::UserError::Db(db) => db.into(),
        })?;
        Ok(Invited::Created(Json(user.into())))
    }

    /// Remove a person from the business (owner only; not yourself).
    #[oai(path = "/users/:id", method = "delete", operation_id = "removeUser")]
    async fn remove(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_user_id")] id: Path<Uuid>,
    ) -> Result<Removed, ApiError> {
        if !auth.0.role.may(Action::ManageUsers) {
            return Err(ApiError::forbidden("only the owner removes users"));
        }
        if id.0 == auth.0.user_id {
            return Err(ApiError::conflict(
                "cannot_remove_self",
                "the owner cannot remove themselves",
            ));
        }
        if !users::remove(&app.pool, auth.0.tenant_id, id.0).await? {
            return Err(ApiError::not_found("user"));
        }
        // Their open sockets, on every server, close now.
        app.revocations
            .publish(&Revoked {
                tenant_id: auth.0.tenant_id,
                user_id: id.0,
                login_id: None,
                not_before: 0,
                removed: true,
            })
            .await;
        Ok(Removed::Done)
    }
}

impl poem_openapi::types::Example for Invite {
    fn example() -> Self {
        Self {
            email: "meena@sharmakirana.in".into(),
            display_name: "Meena".into(),
            role: Role::Staff,
        }
    }
}

impl poem_openapi::types::Example for UserView {
    fn example() -> Self {
        Self {
            id: super::example_id(1),
            email: "ravi@sharmakirana.in".into(),
            display_name: "Ravi Sharma".into(),
            role: Role::Owner,
            created_at: super::example_time(),
        }
    }
}
