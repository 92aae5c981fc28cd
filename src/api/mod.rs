//! The HTTP edge: poem-openapi services, the WebSocket route, and the middleware.
//!
//! Handlers parse and map; they call `domain/` and the job queue and return typed
//! responses. [`middleware`] holds what applies to every request.
//!
//! The spec is the contract the generated clients (`clients/`) are built from and the
//! fuzzer checks (`scripts/clients-e2e`): a response object's optional fields are left
//! out when absent (`#[oai(skip_serializing_if_is_none)]`), never `null`, which the spec
//! does not allow; every error a handler can answer is a declared [`ApiError`] variant.

mod auth;
mod auth_guard;
mod auth_types;
mod body_limit;
mod business;
mod cursor;
mod customer_types;
mod customers;
mod deadline;
mod downloads;
mod invoice_pdf;
mod invoices;
mod job_view;
mod jobs;
pub(crate) mod json_keys;
mod ledger;
pub(crate) mod middleware;
mod nodelay;
mod observe;
mod probes;
mod products;
mod queue_pause;
mod queues;
mod razorpay;
mod reminders;
pub mod scrape;
mod security;
mod system;
mod users;
pub(crate) mod voice;
mod webhooks;

pub use middleware::ClientIp;

use poem::{
    Endpoint, EndpointExt, IntoResponse, Response, Route, Server, handler,
    http::{HeaderValue, StatusCode},
    listener::{
        Acceptor, AcceptorExt, BoxAcceptor, IntoTlsConfigStream, Listener, RustlsCertificate,
        RustlsConfig, TcpListener,
    },
    middleware::Cors,
    web::{Data, Json},
};
use poem_openapi::{OpenApiService, Tags};

use crate::{app::App, config::Settings, error::envelope_for, workflows::hub::Hub, ws};

#[derive(Tags)]
pub enum ApiTags {
    /// Liveness, readiness, metrics.
    System,
    /// Sign-up, login, tokens.
    Auth,
    /// The people of a business.
    Users,
    /// Customers and finding them by name or phone.
    Customers,
    /// Products and stock.
    Products,
    /// GST invoices.
    Invoices,
    /// Payments, credit, balances and statements.
    Ledger,
    /// Scheduled payment reminders.
    Reminders,
    /// Jobs: workflow runs, their state, retry and cancel.
    Jobs,
    /// Signed callbacks from providers.
    Webhooks,
    /// The business's own settings.
    Business,
    /// Voice turns: utterance in, transcript, intent, action and reply out.
    Voice,
}

type Apis = (
    system::SystemApi,
    auth::AuthApi,
    users::UsersApi,
    customers::CustomersApi,
    products::ProductsApi,
    invoices::InvoicesApi,
    invoice_pdf::InvoicePdfApi,
    ledger::LedgerApi,
    reminders::RemindersApi,
    jobs::JobsApi,
    (queues::QueuesApi, queue_pause::QueuePauseApi),
    probes::ProbesApi,
    webhooks::WebhooksApi,
    razorpay::RazorpayApi,
    business::BusinessApi,
    voice::VoiceApi,
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            system::SystemApi,
            auth::AuthApi,
            users::UsersApi,
            customers::CustomersApi,
            products::ProductsApi,
            invoices::InvoicesApi,
            invoice_pdf::InvoicePdfApi,
            ledger::LedgerApi,
            reminders::RemindersApi,
            jobs::JobsApi,
            (queues::QueuesApi, queue_pause::QueuePauseApi),
            probes::ProbesApi,
            webhooks::WebhooksApi,
            razorpay::RazorpayApi,
            business::BusinessApi,
            voice::VoiceApi,
        ),
        "Execora",
        env!("CARGO_PKG_VERSION"),
    )
    .description("Voice-first shop assistant back end: accounts, jobs, workflows and their events.")
}

/// A fixed id for the spec's examples (`#[oai(example, skip_serializing_if_is_none)]`), so the document is stable.
fn example_id(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(0x0197_8f2a_5c00_7000_8000_0000_0000_0000 | n)
}

// Path-parameter examples, one id per resource (the body examples use the same ids).
fn example_user_id() -> uuid::Uuid {
    example_id(1)
}
fn example_customer_id() -> uuid::Uuid {
    example_id(2)
}
fn example_product_id() -> uuid::Uuid {
    example_id(3)
}
fn example_invoice_id() -> uuid::Uuid {
    example_id(4)
}
fn example_job_id() -> uuid::Uuid {
    example_id(5)
}
fn example_reminder_id() -> uuid::Uuid {
    example_id(6)
}
fn example_business_id() -> uuid::Uuid {
    example_id(7)
}

/// A fixed time for the spec's examples: 2026-04-01 10:30 IST.
fn example_time() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_775_019_600, 0).unwrap_or_default()
}

/// The OpenAPI document as YAML (what `openapi/execora.yaml` holds).
pub fn spec_yaml() -> String {
    service().spec_yaml()
}

#[handler]
fn jwks(app: Data<&App>) -> Json<serde_json::Value> {
    Json(app.tokens.jwks())
}

/// The whole HTTP application.
pub fn routes(app: App, hub: Hub) -> impl Endpoint {
    let api = service();
    let docs = api.scalar();
    let yaml = api.spec_endpoint_yaml();
    let json = api.spec_endpoint();
    let tls = app.settings.http.tls();
    let origins = app.settings.http.allowed_origins();
    let cors = (!origins.is_empty()).then(|| {
        Cors::new()
            .allow_origins(origins)
            .allow_headers([
                "authorization",
                "content-type",
                "idempotency-key",
                "prefer",
                "x-request-id",
            ])
            .expose_headers([
                "x-request-id",
                "retry-after",
                "ratelimit-limit",
                "ratelimit-remaining",
                "ratelimit-reset",
            ])
    });
    let body_limits = body_limit::BodyLimits::from_settings(&app.settings);
    let (limit_app, idem_app, ip_app, metrics) =
        (app.clone(), app.clone(), app.clone(), app.metrics.clone());
    let gate_app = app.clone();
    Route::new()
        .nest("/", api)
        .at("/openapi.yaml", yaml)
        .at("/openapi.json", json)
        .at("/.well-known/jwks.json", jwks)
        .at(
            "/pub/invoices/:id/:token",
            poem::get(downloads::invoice_pdf),
        )
        .nest("/docs", docs)
        .nest("/dashboard", crate::dashboard::routes())
        .at("/ws", ws::endpoint())
        .catch_all_error(|err: poem::Error| async move {
            // Handler errors (`ApiError`) already are envelopes with their own code.
            if err.is_from_response() {
                return err.into_response();
            }
            let (status, body) = envelope_for(&err);
            let mut resp = Json(body).with_status(status).into_response();
            if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
            {
                resp.headers_mut()
                    .insert("retry-after", HeaderValue::from_static("1"));
            }
            resp
        })
        .around(|ep, req| async move { json_keys::refuse_duplicate_keys(ep.as_ref(), req).await })
        .around(move |ep, req| {
            let app = idem_app.clone();
            async move { middleware::idempotent(ep.as_ref(), req, &app).await }
        })
        .around(move |ep, req| {
            let app = limit_app.clone();
            async move { middleware::limit_user(ep.as_ref(), req, &app).await }
        })
        .around(move |ep, req| {
            let app = gate_app.clone();
            async move { middleware::dependency_gate(ep.as_ref(), req, &app).await }
        })
        .around(move |ep, req| async move {
            body_limit::limit_body(ep.as_ref(), req, body_limits).await
        })
        .data(app)
        .data(hub)
        .with_if(cors.is_some(), cors.unwrap_or_default())
        .around(move |ep, mut req| {
            let ip = middleware::client_ip(&req, &ip_app.trusted_proxies);
            req.set_data(ClientIp(ip));
            let path = req.uri().path().to_string();
            async move {
                let mut resp: Response = ep
                    .call(req)
                    .await
                    .map(IntoResponse::into_response)
                    .unwrap_or_else(|e| e.into_response());
                middleware::security_headers(&mut resp, tls, &path);
                Ok(resp)
            }
        })
        .around(move |ep, req| {
            let metrics = metrics.clone();
            async move { Ok(middleware::observe(ep, req, &metrics).await) }
        })
}

/// Binds the configured address, with native TLS when a certificate is configured, and
/// the connection deadlines (`deadline`) above it.
pub async fn bind(settings: &Settings) -> anyhow::Result<BoxAcceptor> {
    let addr = settings.listen;
    let tcp = TcpListener::bind(addr)
        .into_acceptor()
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (EXECORA_LISTEN): {e}"))?;
    let tcp = nodelay::NoDelay(tcp);
    let acceptor: std::io::Result<BoxAcceptor> = if settings.http.tls() {
        let cert = std::fs::read(&settings.http.tls_cert_file)
            .map_err(|e| anyhow::anyhow!("EXECORA_HTTP_TLS_CERT_FILE: {e}"))?;
        let key = std::fs::read(&settings.http.tls_key_file)
            .map_err(|e| anyhow::anyhow!("EXECORA_HTTP_TLS_KEY_FILE: {e}"))?;
        let config = RustlsConfig::new().fallback(RustlsCertificate::new().cert(cert).key(key));
        config
            .into_stream()
            .map(|stream| tcp.rustls(stream).boxed())
    } else {
        Ok(tcp.boxed())
    };
    let deadlines = deadline::Deadlines {
        header_read: std::time::Duration::from_secs(settings.http.header_read_timeout_secs),
        idle: std::time::Duration::from_secs(settings.http.idle_timeout_secs),
    };
    acceptor
        .map(|inner| deadline::WithDeadlines { inner, deadlines }.boxed())
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (EXECORA_LISTEN): {e}"))
}

/// The first local address of a bound acceptor.
pub fn local_addr(acceptor: &impl Acceptor) -> Option<std::net::SocketAddr> {
    acceptor
        .local_addr()
        .into_iter()
        .find_map(|a| a.as_socket_addr().copied())
}

/// Time in-flight requests get to finish once shutdown starts.
const DRAIN_REQUESTS: std::time::Duration = std::time::Duration::from_secs(10);
/// Time WebSocket sessions get to send their close frames once the server has stopped.
const DRAIN_SESSIONS: std::time::Duration = std::time::Duration::from_secs(5);

/// Serves until `shutdown` resolves. Then it stops accepting connections, tells every
/// WebSocket session to close (1001) and `Prefer: wait` requests to answer now, lets
/// in-flight requests finish (up to 10 s) and waits for the sessions to be gone.
pub async fn serve(
    acceptor: impl Acceptor + 'static,
    app: App,
    hub: Hub,
    shutdown: impl std::future::Future<Output = std::io::Result<()>> + Send + 'static,
) -> anyhow::Result<()> {
    tracing::info!(listen = ?local_addr(&acceptor), "serving");
    let closing = hub.clone();
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(
            routes(app, hub.clone()),
            async move {
                let _ = shutdown.await;
                tracing::info!("HTTP server stopping: no new connections; closing WebSockets");
                closing.close();
            },
            Some(DRAIN_REQUESTS),
        )
        .await?;
    // Upgraded sockets run outside poem's connection tracking: wait for them here, or
    // the process would exit under them without a close frame.
    if tokio::time::timeout(DRAIN_SESSIONS, hub.listeners_gone())
        .await
        .is_err()
    {
        tracing::warn!("WebSocket sessions still open after the shutdown grace period");
    }
    tracing::info!("HTTP server stopped");
    Ok(())
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
