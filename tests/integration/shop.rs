//! The shop's business: customers, products, invoices, the ledger — through the API and
//! through the domain where concurrency is the point.

use execora::{
    auth::Role,
    domain::{
        customers,
        invoices::{self, InvoiceRequest, LineRequest},
        ledger::{self, Method, NewEntry},
        products::{self, ProductData},
        schedule,
    },
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestApp, TestEnv, client, customer_data as customer};

fn product(name: &str, price: i64, rate: i32) -> ProductData {
    ProductData {
        name: name.into(),
        sku: None,
        unit: "pcs".into(),
        price_paise: price,
        hsn_code: Some("1006".into()),
        gst_rate_bp: rate,
        low_stock_threshold: 5,
    }
}

fn one_line(product: Uuid, quantity: i64) -> Vec<LineRequest> {
    vec![LineRequest {
        product_id: Some(product),
        description: None,
        quantity,
        unit_price_paise: None,
        discount_paise: 0,
        gst_rate_bp: None,
    }]
}

#[tokio::test]
async fn fifty_concurrent_invoices_are_numbered_gaplessly_per_business() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, false, false).await;
    let (shop_a, _) = env.tenant(&t.app, None).await;
    let (shop_b, _) = env.tenant(&t.app, None).await;
    let pool = t.app.pool.clone();
    let cust_a = customers::create(&pool, shop_a, &customer("Ramesh"))
        .await
        .unwrap();
    let rice = products::create(&pool, shop_a, &product("Rice 1kg", 6000, 500), 1000)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let pool = pool.clone();
        let req = InvoiceRequest {
            customer_id: cust_a.id,
            lines: one_line(rice.id, 1),
        };
        tasks.push(tokio::spawn(async move {
            invoices::issue(&pool, shop_a, Uuid::now_v7(), &req)
                .await
                .unwrap()
        }));
    }
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap().number);
    }
    numbers.sort();
    let fy = invoices::financial_year(chrono::Utc::now(), schedule::DEFAULT_ZONE);
    let expected: Vec<String> = (1..=50).map(|n| format!("{fy}/INV/{n:04}")).collect();
    assert_eq!(numbers, expected, "gapless and unique");
    assert_eq!(
        products::get(&pool, shop_a, rice.id)
            .await
            .unwrap()
            .unwrap()
            .stock,
        950
    );
    // Another business starts its own sequence.
    let cust_b = customers::create(&pool, shop_b, &customer("Sunita"))
        .await
        .unwrap();
    let dal = products::create(&pool, shop_b, &product("Dal", 12000, 500), 10)
        .await
        .unwrap();
    let first_b = invoices::issue(
        &pool,
        shop_b,
        Uuid::now_v7(),
        &InvoiceRequest {
            customer_id: cust_b.id,
            lines: one_line(dal.id, 1),
        },
    )
    .await
    .unwrap();
    assert_eq!(first_b.number, format!("{fy}/INV/0001"));
    t.stop().await;
}

#[tokio::test]
async fn a_redelivered_invoice_job_writes_nothing_twice_and_cancel_restores_stock_and_balance() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, false, false).await;
    let (shop, _) = env.tenant(&t.app, None).await;
    let pool = t.app.pool.clone();
    let c = customers::create(&pool, shop, &customer("Ramesh"))
        .await
        .unwrap();
    let oil = products::create(&pool, shop, &product("Oil 1L", 15000, 500), 20)
        .await
        .unwrap();
    let job = Uuid::now_v7();
    let req = InvoiceRequest {
        customer_id: c.id,
        lines: one_line(oil.id, 2),
    };
    let first = invoices::issue(&pool, shop, job, &req).await.unwrap();
    let again = invoices::issue(&pool, shop, job, &req).await.unwrap();
    assert_eq!(first.id, again.id);
    // 2 × ₹150 + 5% = ₹315.00
    assert_eq!(first.total_paise, 31500);
    assert_eq!(
        ledger::balance(&pool, shop, c.id).await.unwrap(),
        31500,
        "one debit"
    );
    assert_eq!(
        products::get(&pool, shop, oil.id)
            .await
            .unwrap()
            .unwrap()
            .stock,
        18,
        "stock moved once"
    );
    let cancelled = invoices::cancel(&pool, shop, first.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cancelled.status, "cancelled");
    assert_eq!(ledger::balance(&pool, shop, c.id).await.unwrap(), 0);
    assert_eq!(
        products::get(&pool, shop, oil.id)
            .await
            .unwrap()
            .unwrap()
            .stock,
        20
    );
    assert!(matches!(
        invoices::cancel(&pool, shop, first.id).await,
        Err(invoices::InvoiceError::AlreadyCancelled)
    ));
    // The number is not reused.
    let next = invoices::issue(&pool, shop, Uuid::now_v7(), &req)
        .await
        .unwrap();
    assert!(next.number.ends_with("/0002"), "{}", next.number);
    t.stop().await;
}

#[tokio::test]
async fn payments_settle_the_oldest_invoices_first() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, false, false).await;
    let (shop, _) = env.tenant(&t.app, None).await;
    let pool = t.app.pool.clone();
    let c = customers::create(&pool, shop, &customer("Sunita"))
        .await
        .unwrap();
    let item = products::create(&pool, shop, &product("Soap", 10000, 0), 100)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            invoices::issue(
                &pool,
                shop,
                Uuid::now_v7(),
                &InvoiceRequest {
                    customer_id: c.id,
                    lines: one_line(item.id, 1),
                },
            )
            .await
            .unwrap()
            .id,
        );
    }
    let pay = |amount: i64, key: &'static str| NewEntry {
        customer: c.id,
        kind: "payment",
        amount_paise: amount,
        method: Some(Method::Upi),
        invoice: None,
        reference: None,
        note: None,
        idempotency_key: Some(key),
    };
    let (_, alloc) = ledger::record_payment(&pool, shop, pay(15000, "p1"))
        .await
        .unwrap();
    assert_eq!(
        alloc
            .iter()
            .map(|a| (a.invoice_id, a.amount_paise))
            .collect::<Vec<_>>(),
        vec![(ids[0], 10000), (ids[1], 5000)]
    );
    // The same key again records nothing new.
    ledger::record_payment(&pool, shop, pay(15000, "p1"))
        .await
        .unwrap();
    let statuses: Vec<String> =
        futures::future::join_all(ids.iter().map(|id| invoices::get(&pool, shop, *id)))
            .await
            .into_iter()
            .map(|i| i.unwrap().unwrap().status)
            .collect();
    assert_eq!(statuses, ["paid", "partial", "issued"]);
    assert_eq!(ledger::balance(&pool, shop, c.id).await.unwrap(), 15000);
    let statement = ledger::statement(&pool, shop, c.id).await.unwrap();
    let running: Vec<i64> = statement.iter().map(|l| l.balance_paise).collect();
    assert_eq!(running, [10000, 20000, 30000, 15000]);
    t.stop().await;
}

async fn json_post(url: String, token: &str, body: Value) -> (u16, Value) {
    let resp = client()
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn customers_products_invoices_and_payments_through_the_api() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, true).await;
    let (shop, owner) = env.tenant(&t.app, None).await;
    let token = t.token(shop, owner, Role::Owner);
    let base = format!("{}/api/v1", t.base);
    let (s, ramesh) = json_post(format!("{base}/customers"), &token, json!({"name": "Ramesh Kumar", "phone": "098765-43210", "nicknames": ["Ramu"], "landmark": "ATM"})).await;
    assert_eq!(s, 201, "{ramesh}");
    assert_eq!(ramesh["phone"], "+919876543210");
    let (s, _) = json_post(
        format!("{base}/customers"),
        &token,
        json!({"name": "Other", "phone": "+91 98765 43210"}),
    )
    .await;
    assert_eq!(s, 409, "same phone");
    let (s, bad) = json_post(
        format!("{base}/customers"),
        &token,
        json!({"name": "X", "gstin": "27AAPFU0939F1ZX"}),
    )
    .await;
    assert_eq!((s, bad["code"].as_str()), (422, Some("invalid_gstin")));
    let (s, bad) = json_post(
        format!("{base}/customers"),
        &token,
        json!({"name": "X", "phone": "12345"}),
    )
    .await;
    assert_eq!((s, bad["code"].as_str()), (422, Some("invalid_phone")));
    let (s, rice) = json_post(format!("{base}/products"), &token, json!({"name": "Rice 5kg", "price_paise": 45000, "hsn_code": "1006", "gst_rate_bp": 500, "opening_stock": 10})).await;
    assert_eq!(s, 201, "{rice}");
    let resp = client()
        .post(format!("{base}/invoices"))
        .bearer_auth(&token)
        .header("prefer", "wait=20")
        .json(&json!({"customer_id": ramesh["id"], "lines": [{"product_id": rice["id"], "quantity": 2}, {"description": "Carry bag", "quantity": 1, "unit_price_paise": 1000, "gst_rate_bp": 1800}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let job: Value = resp.json().await.unwrap();
    assert_eq!(job["state"], "succeeded", "{job}");
    let invoice_id = job["result"]["invoice_id"].as_str().unwrap();
    assert_eq!(
        job["result"]["delivered"], false,
        "no phone or email on file: nothing sent"
    );
    let invoice: Value = client()
        .get(format!("{base}/invoices/{invoice_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // 2 × ₹450 @5% = ₹945.00; bag ₹10 @18% = ₹11.80; ₹956.80 → ₹957, round-off +₹0.20.
    assert_eq!(
        (
            invoice["total_paise"].as_i64(),
            invoice["round_off_paise"].as_i64()
        ),
        (Some(95700), Some(20))
    );
    assert_eq!(
        invoice["cgst_paise"].as_i64().unwrap() + invoice["sgst_paise"].as_i64().unwrap(),
        4500 + 180
    );
    assert_eq!(
        invoice["total_in_words"],
        "Rupees Nine Hundred Fifty Seven Only"
    );
    let stock: Value = client()
        .get(format!("{base}/products/{}", rice["id"].as_str().unwrap()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stock["stock"], 8);
    // Mixed payment, twice with the same key: recorded once.
    for _ in 0..2 {
        let resp = client().post(format!("{base}/ledger/payments")).bearer_auth(&token).header("idempotency-key", "pay-1")
            .json(&json!({"customer_id": ramesh["id"], "parts": [{"method": "cash", "amount_paise": 50000}, {"method": "upi", "amount_paise": 20000}]}))
            .send().await.unwrap();
        assert_eq!(resp.status(), 201);
    }
    let balance: Value = client()
        .get(format!(
            "{base}/customers/{}/balance",
            ramesh["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(balance["balance_paise"], 95700 - 70000);
    let (s, credit) = json_post(
        format!("{base}/ledger/credits"),
        &token,
        json!({"customer_id": ramesh["id"], "amount_paise": 50000, "note": "udhaar"}),
    )
    .await;
    assert_eq!(s, 201, "{credit}");
    let outstanding: Value = client()
        .get(format!("{base}/ledger/outstanding"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outstanding["total_paise"], 95700 - 70000 + 50000);
    t.stop().await;
}

#[tokio::test]
async fn bad_invoice_input_is_refused_before_any_job_exists() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (shop, owner) = env.tenant(&t.app, None).await;
    let token = t.token(shop, owner, Role::Owner);
    let base = format!("{}/api/v1", t.base);
    let (_, c) = json_post(
        format!("{base}/customers"),
        &token,
        json!({"name": "Ramesh"}),
    )
    .await;
    let cases = [
        (
            json!({"customer_id": Uuid::new_v4(), "lines": [{"description": "x", "quantity": 1, "unit_price_paise": 100, "gst_rate_bp": 0}]}),
            404,
        ),
        (
            json!({"customer_id": c["id"], "lines": [{"product_id": Uuid::new_v4(), "quantity": 1}]}),
            422,
        ),
        (
            json!({"customer_id": c["id"], "lines": [{"description": "x", "quantity": 1}]}),
            422,
        ),
        (
            json!({"customer_id": c["id"], "lines": [{"description": "x", "quantity": 1, "unit_price_paise": 100, "gst_rate_bp": 1234}]}),
            422,
        ),
        (
            json!({"customer_id": c["id"], "lines": [{"description": "x", "quantity": 0, "unit_price_paise": 100, "gst_rate_bp": 0}]}),
            400,
        ),
        (json!({"customer_id": c["id"], "lines": []}), 400),
    ];
    for (body, expected) in cases {
        let (status, err) = json_post(format!("{base}/invoices"), &token, body.clone()).await;
        assert_eq!(status, expected, "{body} → {err}");
    }
    let jobs: Value = client()
        .get(format!("{base}/jobs"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jobs["items"], json!([]), "no job was created");
    t.stop().await;
}

#[tokio::test]
async fn another_tenants_shop_records_are_404_everywhere() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (shop_a, owner_a) = env.tenant(&t.app, None).await;
    let (shop_b, owner_b) = env.tenant(&t.app, None).await;
    let pool = t.app.pool.clone();
    let c = customers::create(&pool, shop_a, &customer("Ramesh"))
        .await
        .unwrap();
    let p = products::create(&pool, shop_a, &product("Rice", 100, 0), 5)
        .await
        .unwrap();
    let inv = invoices::issue(
        &pool,
        shop_a,
        Uuid::now_v7(),
        &InvoiceRequest {
            customer_id: c.id,
            lines: one_line(p.id, 1),
        },
    )
    .await
    .unwrap();
    let b = t.token(shop_b, owner_b, Role::Owner);
    let base = format!("{}/api/v1", t.base);
    let cl = client();
    for url in [
        format!("{base}/customers/{}", c.id),
        format!("{base}/customers/{}/balance", c.id),
        format!("{base}/customers/{}/statement", c.id),
        format!("{base}/products/{}", p.id),
        format!("{base}/invoices/{}", inv.id),
    ] {
        assert_eq!(
            cl.get(&url).bearer_auth(&b).send().await.unwrap().status(),
            404,
            "{url}"
        );
    }
    assert_eq!(
        cl.delete(format!("{base}/customers/{}", c.id))
            .bearer_auth(&b)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        cl.delete(format!("{base}/products/{}", p.id))
            .bearer_auth(&b)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        cl.post(format!("{base}/invoices/{}/cancel", inv.id))
            .bearer_auth(&b)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        cl.put(format!("{base}/customers/{}", c.id))
            .bearer_auth(&b)
            .json(&json!({"name": "Hijack"}))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let (s, _) = json_post(
        format!("{base}/ledger/payments"),
        &b,
        json!({"customer_id": c.id, "parts": [{"method": "cash", "amount_paise": 100}]}),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = json_post(
        format!("{base}/invoices"),
        &b,
        json!({"customer_id": c.id, "lines": [{"product_id": p.id, "quantity": 1}]}),
    )
    .await;
    assert_eq!(s, 404);
    // Owner A still sees everything unchanged.
    let a = t.token(shop_a, owner_a, Role::Owner);
    let mine: Value = cl
        .get(format!("{base}/customers/{}", c.id))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["name"], "Ramesh");
    assert_eq!(ledger::balance(&pool, shop_a, c.id).await.unwrap(), 100);
    t.stop().await;
}

async fn search(base: &str, token: &str, q: &str) -> Value {
    client()
        .get(format!("{base}/customers/search"))
        .query(&[("q", q)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn fuzzy_search_finds_spoken_names_nicknames_and_reports_ambiguity() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (shop, owner) = env.tenant(&t.app, None).await;
    let token = t.token(shop, owner, Role::Owner);
    let base = format!("{}/api/v1", t.base);
    for body in [
        json!({"name": "Ramesh", "phone": "9876543210"}),
        json!({"name": "Suresh Kumar"}),
        json!({"name": "Rajesh Gupta"}),
        json!({"name": "Bharat", "landmark": "ATM"}),
        json!({"name": "Bharat", "landmark": "Station"}),
    ] {
        let (s, v) = json_post(format!("{base}/customers"), &token, body).await;
        assert_eq!(s, 201, "{v}");
    }
    let found = search(&base, &token, "Rmesh").await;
    assert_eq!(
        (
            found["match"].as_str(),
            found["candidates"][0]["customer"]["name"].as_str()
        ),
        (Some("clear"), Some("Ramesh")),
        "{found}"
    );
    let found = search(&base, &token, "Ramesh bhai").await;
    assert_eq!(found["candidates"][0]["customer"]["name"], "Ramesh");
    let found = search(&base, &token, "Raju").await;
    assert_eq!(
        found["candidates"][0]["customer"]["name"], "Rajesh Gupta",
        "{found}"
    );
    let found = search(&base, &token, "Bharat").await;
    assert_eq!(found["match"], "ambiguous", "{found}");
    let found = search(&base, &token, "Bharat ATM wala").await;
    assert_eq!(
        (
            found["match"].as_str(),
            found["candidates"][0]["customer"]["landmark"].as_str()
        ),
        (Some("clear"), Some("ATM")),
        "{found}"
    );
    let found = search(&base, &token, "98765 43210").await;
    assert_eq!(found["candidates"][0]["customer"]["name"], "Ramesh");
    let found = search(&base, &token, "Xyzzy").await;
    assert_eq!(found["match"], "no_match");
    t.stop().await;
}

#[tokio::test]
async fn staff_erase_customers_only_with_the_owners_emailed_code() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let owner_email = crate::common::unique_email("owner");
    let (shop, _, owner_token, _) =
        crate::common::sign_up(&t.base, &owner_email, "chai-and-samosa-42").await;
    let base = format!("{}/api/v1", t.base);
    let (_, c) = json_post(
        format!("{base}/customers"),
        &owner_token,
        json!({"name": "Meena", "phone": "9123456789"}),
    )
    .await;
    let id = c["id"].as_str().unwrap().to_string();
    let (_, invited) = json_post(format!("{base}/users"), &owner_token, json!({"email": crate::common::unique_email("staff"), "display_name": "S", "role": "staff"})).await;
    let staff = t.token(
        shop,
        invited["id"].as_str().unwrap().parse().unwrap(),
        Role::Staff,
    );
    assert_eq!(
        client()
            .delete(format!("{base}/customers/{id}"))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let resp = client()
        .post(format!("{base}/customers/{id}/erasure-requests"))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let (s, _) = json_post(
        format!("{base}/customers/{id}/erasure-requests/confirm"),
        &staff,
        json!({"code": "000000"}),
    )
    .await;
    let code = crate::common::login_code_for(&owner_email).await;
    if code != "000000" {
        assert_eq!(s, 401, "a wrong code erases nothing");
    }
    let (s, _) = json_post(
        format!("{base}/customers/{id}/erasure-requests/confirm"),
        &staff,
        json!({"code": code}),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(
        client()
            .get(format!("{base}/customers/{id}"))
            .bearer_auth(&owner_token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let phone: Option<String> = sqlx::query_scalar("select phone from customers where id = $1")
        .bind(Uuid::parse_str(&id).unwrap())
        .fetch_one(&t.app.pool)
        .await
        .unwrap();
    assert_eq!(phone, None, "personal data is gone");
    t.stop().await;
}
