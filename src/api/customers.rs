//! `/api/v1/customers`: create, read, update, list, search, and erasure.
//!
//! Owners and managers erase a customer directly; staff (and, later, voice) request an
//! erasure that the owner confirms with a code sent to the owner's email.

use poem::web::Data;
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
    payload::Json,
};
use uuid::Uuid;

pub use super::customer_types::{Channel, CustomerLanguage, CustomerView};
use super::{
    ApiTags,
    customer_types::{
        Candidate, Created, CustomerInput, CustomerPage, Done, ErasureConfirm, ErasureRequested,
        SearchOutcome, SearchView,
    },
    security::BearerAuth,
};
use crate::auth::permissions::Action;
use crate::{
    app::App,
    cache,
    domain::{
        customer_search,
        customers::{self, CustomerData, CustomerError},
        gstin::Gstin,
        names::Resolution,
        phone::PhoneNumber,
    },
    error::ApiError,
};

pub struct CustomersApi;

fn parse(input: CustomerInput) -> Result<CustomerData, ApiError> {
    let phone = input
        .phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(PhoneNumber::parse)
        .transpose()
        .map_err(|e| ApiError::unprocessable("invalid_phone", e.to_string()))?;
    let gstin = input
        .gstin
        .as_deref()
        .filter(|g| !g.trim().is_empty())
        .map(Gstin::parse)
        .transpose()
        .map_err(|e| ApiError::unprocessable("invalid_gstin", e.to_string()))?;
    if let Some(email) = input.email.as_deref()
        && !crate::integrations::email::deliverable(email)
    {
        return Err(crate::integrations::email::undeliverable());
    }
    let state_code = input
        .state_code
        .or_else(|| gstin.as_ref().map(|g| g.state_code().to_string()));
    Ok(CustomerData {
        name: input.name,
        phone,
        email: input.email,
        nicknames: input
            .nicknames
            .into_iter()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect(),
        landmark: input.landmark,
        city: input.city,
        state_code,
        gstin,
        preferred_channel: match input.preferred_channel {
            Some(Channel::Email) => "email".into(),
            _ => "whatsapp".into(),
        },
        preferred_language: match input.preferred_language {
            Some(CustomerLanguage::English) => "english".into(),
            Some(CustomerLanguage::Hindi) => "hindi".into(),
            _ => "hinglish".into(),
        },
        notes: input.notes,
    })
}

fn conflict(e: CustomerError) -> ApiError {
    match e {
        CustomerError::PhoneTaken => {
            ApiError::conflict("phone_taken", "another customer has that phone number")
        }
        CustomerError::Db(db) => db.into(),
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Customers")]
impl CustomersApi {
    /// Add a customer.
    #[oai(path = "/customers", method = "post", operation_id = "createCustomer")]
    async fn create(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] _key: Header<Option<String>>,
        body: Json<CustomerInput>,
    ) -> Result<Created, ApiError> {
        let data = parse(body.0)?;
        let c = customers::create(&app.pool, auth.0.tenant_id, &data)
            .await
            .map_err(conflict)?;
        Ok(Created::Created(Json(c.into())))
    }

    /// Customers, newest first.
    #[oai(path = "/customers", method = "get", operation_id = "listCustomers")]
    async fn list(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        limit: Query<Option<i64>>,
        cursor: Query<Option<String>>,
    ) -> Result<Json<CustomerPage>, ApiError> {
        let limit = limit.0.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::unprocessable(
                "invalid_limit",
                "limit must be between 1 and 100",
            ));
        }
        let before = match cursor.0.as_deref() {
            None => None,
            Some(c) => Some(super::cursor::decode(c).ok_or_else(|| {
                ApiError::unprocessable("invalid_cursor", "cursor is not one this API returned")
            })?),
        };
        let mut rows = customers::list(&app.pool, auth.0.tenant_id, before, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last()
                .map(|c| super::cursor::encode(c.created_at, c.id))
        } else {
            None
        };
        Ok(Json(CustomerPage {
            items: rows.into_iter().map(Into::into).collect(),
            next_cursor,
        }))
    }

    /// Find customers by spoken or typed name (Hinglish-aware, fuzzy) or phone digits.
    #[oai(
        path = "/customers/search",
        method = "get",
        operation_id = "searchCustomers"
    )]
    async fn search(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(validator(min_length = 1, max_length = 120))] q: Query<String>,
        limit: Query<Option<u32>>,
    ) -> Result<Json<SearchView>, ApiError> {
        let limit = limit.0.unwrap_or(5).clamp(1, 20) as usize;
        let found = customer_search::search(&app.pool, auth.0.tenant_id, &q.0, limit).await?;
        let r#match = match found.resolution {
            Resolution::Clear(_) => SearchOutcome::Clear,
            Resolution::Ambiguous(_) => SearchOutcome::Ambiguous,
            Resolution::NoMatch => SearchOutcome::NoMatch,
        };
        let candidates = found
            .candidates
            .into_iter()
            .map(|c| Candidate {
                customer: c.customer.into(),
                score: c.score,
            })
            .collect();
        Ok(Json(SearchView {
            r#match,
            candidates,
        }))
    }

    /// One customer.
    #[oai(path = "/customers/:id", method = "get", operation_id = "getCustomer")]
    async fn get(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_customer_id")] id: Path<Uuid>,
    ) -> Result<Json<CustomerView>, ApiError> {
        let (tenant, id) = (auth.0.tenant_id, id.0);
        let c = app
            .cache
            .get_or_load(&cache::customer_key(tenant, id), || {
                customers::get(&app.pool, tenant, id)
            })
            .await?
            .ok_or_else(|| ApiError::not_found("customer"))?;
        Ok(Json(c.into()))
    }

    /// Replace a customer's details.
    #[oai(
        path = "/customers/:id",
        method = "put",
        operation_id = "updateCustomer"
    )]
    async fn update(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_customer_id")] id: Path<Uuid>,
        body: Json<CustomerInput>,
    ) -> Result<Json<CustomerView>, ApiError> {
        let data = parse(body.0)?;
        let c = customers::update(&app.pool, auth.0.tenant_id, id.0, &data)
            .await
            .map_err(conflict)?
            .ok_or_else(|| ApiError::not_found("customer"))?;
        app.cache
            .invalidate(&cache::customer_key(auth.0.tenant_id, id.0))
            .await;
        Ok(Json(c.into()))
    }

    /// Erase a customer's personal data (owners and managers); invoices and ledger stay.
    #[oai(
        path = "/customers/:id",
        method = "delete",
        operation_id = "eraseCustomer"
    )]
    async fn erase(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_customer_id")] id: Path<Uuid>,
    ) -> Result<Done, ApiError> {
        if !auth.0.role.may(Action::EraseCustomer) {
            return Err(ApiError::forbidden(
                "staff request an erasure, which the owner confirms",
            ));
        }
        if !customers::erase(&app.pool, auth.0.tenant_id, id.0).await? {
            return Err(ApiError::not_found("customer"));
        }
        app.cache
            .invalidate(&cache::customer_key(auth.0.tenant_id, id.0))
            .await;
        Ok(Done::Done)
    }

    /// Ask for a customer's erasure; the owner gets a code by email to confirm it. While
    /// a code is live no other is sent; requests per customer are limited
    /// (`EXECORA_AUTH_ERASURE_REQUESTS_PER_HOUR`, then 429).
    #[oai(
        path = "/customers/:id/erasure-requests",
        method = "post",
        operation_id = "requestCustomerErasure"
    )]
    async fn request_erasure(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_customer_id")] id: Path<Uuid>,
    ) -> Result<ErasureRequested, ApiError> {
        use crate::{engine::execute::CodeRequest, workflows::erasure_codes::CodeError};
        let tenant = auth.0.tenant_id;
        customers::get(&app.pool, tenant, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("customer"))?;
        match app
            .erasure_codes
            .request(tenant, id.0, "Someone asked")
            .await
        {
            Ok(CodeRequest::Sent | CodeRequest::AlreadySent) => Ok(ErasureRequested::Accepted),
            Ok(CodeRequest::Throttled { retry_after_secs }) => {
                Err(ApiError::rate_limited(retry_after_secs))
            }
            Err(CodeError::NoOwner) => Err(ApiError::conflict(
                "no_owner",
                "the business has no owner to confirm",
            )),
            Err(CodeError::Db(db)) => Err(db.into()),
            Err(e) => {
                tracing::warn!(error = %e, "erasure code not sent");
                Err(ApiError::unavailable(
                    "the confirmation code could not be sent",
                ))
            }
        }
    }

    /// Confirm an erasure with the owner's code.
    #[oai(
        path = "/customers/:id/erasure-requests/confirm",
        method = "post",
        operation_id = "confirmCustomerErasure"
    )]
    async fn confirm_erasure(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_customer_id")] id: Path<Uuid>,
        body: Json<ErasureConfirm>,
    ) -> Result<Done, ApiError> {
        use crate::auth::otp::OtpCheck;
        // Another tenant's customer is a 404 before any guess is counted, so nobody can
        // spend the codes or the guess budget of a customer not theirs.
        customers::get(&app.pool, auth.0.tenant_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("customer"))?;
        let check = app
            .erasure_codes
            .check(id.0, &body.code)
            .await
            .map_err(|_| ApiError::unavailable("try again shortly"))?;
        if check != OtpCheck::Accepted {
            return Err(ApiError::unauthorized(
                "invalid_code",
                "the code is wrong, expired or locked",
            ));
        }
        if !customers::erase(&app.pool, auth.0.tenant_id, id.0).await? {
            return Err(ApiError::not_found("customer"));
        }
        app.cache
            .invalidate(&cache::customer_key(auth.0.tenant_id, id.0))
            .await;
        Ok(Done::Done)
    }
}
