//! Invoices end to end (issue 4): the invoice workflow (issue, render, deliver with
//! nobody to send to), three lines each, from `clients` concurrent producers; plus
//! p50/p99 of the `create` step (claim → invoice issued).

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use execora::{
    app::App,
    domain::{
        customers,
        invoices::{InvoiceRequest, LineRequest},
        products,
    },
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support;

const INVOICE: &str = "invoice";

pub async fn run(n: usize, clients: usize) -> Value {
    let (app, tenant) = support::bench_app().await;
    let request = invoice_request(&app, tenant).await;
    let stop = support::start_workers(&app);
    let t0 = Instant::now();
    let taken = Arc::new(AtomicUsize::new(0));
    let mut producers = tokio::task::JoinSet::new();
    for _ in 0..clients.max(1) {
        let (app, taken, input) = (app.clone(), taken.clone(), request.clone());
        producers.spawn(async move {
            while taken.fetch_add(1, Ordering::Relaxed) < n {
                let job = support::new_job(tenant, INVOICE, input.clone());
                app.queue.enqueue(job).await.expect("enqueue");
            }
        });
    }
    while let Some(p) = producers.join_next().await {
        p.expect("producer");
    }
    support::wait_succeeded(&app, INVOICE, n).await;
    let secs = t0.elapsed().as_secs_f64();
    let _ = stop.send(());
    let (p50, p99): (f64, f64) = sqlx::query_as(
        "select percentile_cont(0.5) within group (order by s), percentile_cont(0.99) within group (order by s)
         from (select extract(epoch from i.issued_at - j.started_at)::float8 * 1000 as s
               from invoices i join jobs j on j.id = i.job_id where i.business_id = $1) t",
    )
    .bind(tenant)
    .fetch_one(&app.pool)
    .await
    .expect("create step percentiles");
    json!({"lib": "execora", "mode": "invoices", "N": n, "clients": clients, "seconds": secs,
           "invoices_per_s": (n as f64 / secs * 10.0).round() / 10.0,
           "create_step_ms": {"p50": p50, "p99": p99}})
}

/// One customer with no phone or email and three products at 5, 12 and 18% GST; the
/// input of an invoice of two of each.
async fn invoice_request(app: &App, tenant: Uuid) -> Value {
    let customer = customers::CustomerData {
        name: "Bench Customer".into(),
        phone: None,
        email: None,
        nicknames: vec![],
        landmark: None,
        city: None,
        state_code: None,
        gstin: None,
        preferred_channel: "whatsapp".into(),
        preferred_language: "hinglish".into(),
        notes: None,
    };
    let c = customers::create(&app.pool, tenant, &customer)
        .await
        .expect("customer");
    let mut lines = Vec::new();
    for (i, rate) in [500, 1200, 1800].into_iter().enumerate() {
        let data = products::ProductData {
            name: format!("Item {i}"),
            sku: None,
            unit: "pcs".into(),
            price_paise: 10_000 + i as i64,
            hsn_code: Some("1006".into()),
            gst_rate_bp: rate,
            low_stock_threshold: 0,
        };
        let p = products::create(&app.pool, tenant, &data, 1_000_000)
            .await
            .expect("product");
        lines.push(LineRequest {
            product_id: Some(p.id),
            description: None,
            quantity: 2,
            unit_price_paise: None,
            discount_paise: 0,
            gst_rate_bp: None,
        });
    }
    let request = InvoiceRequest {
        customer_id: c.id,
        lines,
    };
    serde_json::to_value(request).expect("invoice request")
}
