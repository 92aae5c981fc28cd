//! `/api/v1/ledger` and customer balances: payments (settled oldest invoice first),
//! credit given, statements with a running balance, who owes what.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Header, Path},
    payload::Json,
};
use uuid::Uuid;

use super::{ApiTags, security::BearerAuth};
use crate::{
    app::App,
    cache,
    domain::ledger::{self, Entry, LedgerError, Method, NewEntry},
    error::ApiError,
};

pub struct LedgerApi;

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
enum PaymentMethod {
    Cash,
    Upi,
    Card,
    Bank,
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct PaymentPart {
    method: PaymentMethod,
    #[oai(validator(minimum(value = "1"), maximum(value = "100000000000")))]
    amount_paise: i64,
}

/// A payment received; several parts for a mixed payment (e.g. cash + UPI).
#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct PaymentInput {
    customer_id: Uuid,
    #[oai(validator(min_items = 1, max_items = 4))]
    parts: Vec<PaymentPart>,
    /// The UPI/bank/gateway reference; a payment with a known reference is recorded once.
    #[oai(validator(max_length = 120))]
    reference: Option<String>,
    #[oai(validator(max_length = 200))]
    note: Option<String>,
}

/// Credit given ("udhaar"): the customer owes this much more.
#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct CreditInput {
    customer_id: Uuid,
    #[oai(validator(minimum(value = "1"), maximum(value = "100000000000")))]
    amount_paise: i64,
    #[oai(validator(max_length = 200))]
    note: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct EntryView {
    id: Uuid,
    customer_id: Uuid,
    /// invoice, payment, credit or reversal
    kind: String,
    /// Positive: the customer owes more; negative: owes less.
    amount_paise: i64,
    method: Option<String>,
    invoice_id: Option<Uuid>,
    reference: Option<String>,
    note: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<Entry> for EntryView {
    fn from(e: Entry) -> Self {
        Self {
            id: e.id,
            customer_id: e.customer_id,
            kind: e.kind,
            amount_paise: e.amount_paise,
            method: e.method,
            invoice_id: e.invoice_id,
            reference: e.reference,
            note: e.note,
            created_at: e.created_at,
        }
    }
}

#[derive(Object)]
struct AllocationView {
    invoice_id: Uuid,
    amount_paise: i64,
}

#[derive(Object)]
struct PaymentRecorded {
    entries: Vec<EntryView>,
    /// How the payment settled open invoices, oldest first.
    allocations: Vec<AllocationView>,
    balance_paise: i64,
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct Balance {
    customer_id: Uuid,
    /// What the customer owes; negative is an advance.
    balance_paise: i64,
}

#[derive(Object)]
#[oai(example)]
struct StatementLineView {
    entry: EntryView,
    balance_paise: i64,
}

#[derive(Object)]
struct Outstanding {
    customer_id: Uuid,
    name: String,
    balance_paise: i64,
}

#[derive(Object)]
#[oai(example)]
struct OutstandingSummary {
    total_paise: i64,
    customers: Vec<Outstanding>,
}

#[derive(ApiResponse)]
enum PaymentCreated {
    #[oai(status = 201)]
    Created(Json<PaymentRecorded>),
}

#[derive(ApiResponse)]
enum CreditCreated {
    #[oai(status = 201)]
    Created(Json<EntryView>),
}

fn method(m: PaymentMethod) -> Method {
    match m {
        PaymentMethod::Cash => Method::Cash,
        PaymentMethod::Upi => Method::Upi,
        PaymentMethod::Card => Method::Card,
        PaymentMethod::Bank => Method::Bank,
    }
}

fn ledger_error(e: LedgerError) -> ApiError {
    match e {
        LedgerError::NoCustomer => ApiError::not_found("customer"),
        LedgerError::Db(db) => db.into(),
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Ledger")]
impl LedgerApi {
    /// Record a payment; it settles the customer's oldest open invoices first.
    /// With `Idempotency-Key`, a retried request records nothing twice.
    #[oai(
        path = "/ledger/payments",
        method = "post",
        operation_id = "recordPayment"
    )]
    async fn payment(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] key: Header<Option<String>>,
        body: Json<PaymentInput>,
    ) -> Result<PaymentCreated, ApiError> {
        let tenant = auth.0.tenant_id;
        let mut entries = Vec::new();
        let mut allocations = Vec::new();
        for (i, part) in body.parts.iter().enumerate() {
            let part_key = key.0.as_ref().map(|k| format!("payment:{k}:{i}"));
            let part_ref = body.reference.as_ref().map(|r| {
                if body.parts.len() > 1 {
                    format!("{r}#{i}")
                } else {
                    r.clone()
                }
            });
            let entry = NewEntry {
                customer: body.customer_id,
                kind: "payment",
                amount_paise: part.amount_paise,
                method: Some(method(part.method)),
                invoice: None,
                reference: part_ref.as_deref(),
                note: body.note.as_deref(),
                idempotency_key: part_key.as_deref(),
            };
            let (e, a) = ledger::record_payment(&app.pool, tenant, entry)
                .await
                .map_err(ledger_error)?;
            entries.push(e.into());
            allocations.extend(a.into_iter().map(|a| AllocationView {
                invoice_id: a.invoice_id,
                amount_paise: a.amount_paise,
            }));
        }
        app.cache
            .invalidate(&cache::balance_key(tenant, body.customer_id))
            .await;
        let balance_paise = ledger::balance(&app.pool, tenant, body.customer_id).await?;
        Ok(PaymentCreated::Created(Json(PaymentRecorded {
            entries,
            allocations,
            balance_paise,
        })))
    }

    /// Record credit given ("udhaar").
    #[oai(
        path = "/ledger/credits",
        method = "post",
        operation_id = "recordCredit"
    )]
    async fn credit(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] key: Header<Option<String>>,
        body: Json<CreditInput>,
    ) -> Result<CreditCreated, ApiError> {
        let key = key.0.as_ref().map(|k| format!("credit:{k}"));
        let entry = NewEntry {
            customer: body.customer_id,
            kind: "credit",
            amount_paise: body.amount_paise,
            method: None,
            invoice: None,
            reference: None,
            note: body.note.as_deref(),
            idempotency_key: key.as_deref(),
        };
        let e = ledger::record_credit(&app.pool, auth.0.tenant_id, entry)
            .await
            .map_err(ledger_error)?;
        app.cache
            .invalidate(&cache::balance_key(auth.0.tenant_id, body.customer_id))
            .await;
        Ok(CreditCreated::Created(Json(e.into())))
    }

    /// What a customer owes.
    #[oai(
        path = "/customers/:id/balance",
        method = "get",
        operation_id = "getCustomerBalance"
    )]
    async fn balance(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_customer_id")] id: Path<Uuid>,
    ) -> Result<Json<Balance>, ApiError> {
        crate::domain::customers::get(&app.pool, auth.0.tenant_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("customer"))?;
        let (tenant, customer) = (auth.0.tenant_id, id.0);
        let balance_paise = app
            .cache
            .get_or_load(&cache::balance_key(tenant, customer), || async {
                ledger::balance(&app.pool, tenant, customer).await.map(Some)
            })
            .await?
            .unwrap_or(0);
        Ok(Json(Balance {
            customer_id: id.0,
            balance_paise,
        }))
    }

    /// Every ledger entry of a customer with the running balance, oldest first.
    #[oai(
        path = "/customers/:id/statement",
        method = "get",
        operation_id = "getCustomerStatement"
    )]
    async fn statement(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_customer_id")] id: Path<Uuid>,
    ) -> Result<Json<Vec<StatementLineView>>, ApiError> {
        crate::domain::customers::get(&app.pool, auth.0.tenant_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("customer"))?;
        let lines = ledger::statement(&app.pool, auth.0.tenant_id, id.0).await?;
        Ok(Json(
            lines
                .into_iter()
                .map(|l| StatementLineView {
                    entry: l.entry.into(),
                    balance_paise: l.balance_paise,
                })
                .collect(),
        ))
    }

    /// Who owes what, largest first, and the total pending.
    #[oai(
        path = "/ledger/outstanding",
        method = "get",
        operation_id = "listOutstanding"
    )]
    async fn outstanding(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
    ) -> Result<Json<OutstandingSummary>, ApiError> {
        let rows = ledger::outstanding(&app.pool, auth.0.tenant_id, 500).await?;
        let total_paise = rows.iter().map(|r| r.2).sum();
        Ok(Json(OutstandingSummary {
            total_paise,
            customers: rows
                .into_iter()
                .map(|(customer_id, name, balance_paise)| Outstanding {
                    customer_id,
                    name,
                    balance_paise,
                })
                .collect(),
        }))
    }
}

// The spec's examples for this file's types.
#[path = "ledger_examples.rs"]
mod examples;
