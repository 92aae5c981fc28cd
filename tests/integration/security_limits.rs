//! Attack battery, round two: body limits, slow and idle connections, lockout by
//! someone else, and the owner's erasure code (issue 14, findings 3 to 6).

use std::time::{Duration, Instant};

use execora::{auth::Role, domain::customers, domain::users};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::common::{
    TestApp, TestEnv, WsClient, client, customer_data, login_code_for, sign_up, unique_email,
};

const PASSWORD: &str = "chai-and-samosa-42";

fn addr(t: &TestApp) -> String {
    t.base.trim_start_matches("http://").to_string()
}

/// Everything the server sends until it closes the connection (fails after 10 s).
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server kept the connection open");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn bodies_over_a_routes_limit_are_refused_with_413_before_being_read() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_HTTP_MAX_JSON_BODY_BYTES", "1024")
        .with("EXECORA_VOICE_MAX_AUDIO_BYTES", "4096");
    let t = TestApp::start(&env, true, false).await;
    // A declared 200 MiB login: answered from the headers alone, no byte of body sent.
    let mut conn = TcpStream::connect(addr(&t)).await.unwrap();
    conn.write_all(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 209715200\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    tokio::time::timeout(Duration::from_secs(10), conn.read_exact(&mut head))
        .await
        .expect("no answer without the body")
        .unwrap();
    assert_eq!(&head, b"HTTP/1.1 413");
    // A chunked body (no length to refuse up front) is cut off at the limit.
    let mut conn = TcpStream::connect(addr(&t)).await.unwrap();
    conn.write_all(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        .await
        .unwrap();
    for _ in 0..8 {
        // The server may answer and close before every chunk is written.
        let _ = conn
            .write_all(format!("400\r\n{}\r\n", " ".repeat(1024)).as_bytes())
            .await;
    }
    let answer = read_to_close_or_head(&mut conn).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("payload_too_large"), "{answer}");
    // A recording has its own, larger limit.
    let (tenant, owner) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, owner, Role::Owner);
    let upload = |bytes: usize| {
        let form = reqwest::multipart::Form::new()
            .text("session_id", "s1")
            .text("format", "wav")
            .part(
                "audio",
                reqwest::multipart::Part::bytes(vec![0u8; bytes]).file_name("a.wav"),
            );
        client()
            .post(format!("{}/api/v1/voice/utterances", t.base))
            .bearer_auth(&token)
            .multipart(form)
            .send()
    };
    assert_eq!(upload(2048).await.unwrap().status(), 202, "under the limit");
    assert_eq!(upload(200 * 1024).await.unwrap().status(), 413);
    t.stop().await;
}

/// A recording sent with `Idempotency-Key` is held to the recording's limit, not to a
/// JSON body's: the idempotency layer buffered at most 1 MiB and refused a 2 MiB upload
/// with 413 although the route takes 10 MiB.
#[tokio::test]
async fn a_recording_with_an_idempotency_key_is_held_to_the_recordings_limit() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant, owner) = env.tenant(&t.app, None).await;
    let token = t.token(tenant, owner, Role::Owner);
    // One body, sent twice byte for byte (a retrying client resends what it sent).
    let mut body = Vec::new();
    for (name, value) in [("session_id", "s1"), ("format", "wav")] {
        body.extend(
            format!(
                "--b0undary\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend(b"--b0undary\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.wav\"\r\nContent-Type: application/octet-stream\r\n\r\n");
    body.extend(vec![0u8; 2 << 20]);
    body.extend(b"\r\n--b0undary--\r\n");
    let upload = || {
        client()
            .post(format!("{}/api/v1/voice/utterances", t.base))
            .bearer_auth(&token)
            .header("Idempotency-Key", "big-recording-1")
            .header("Content-Type", "multipart/form-data; boundary=b0undary")
            .body(body.clone())
            .send()
    };
    let first = upload().await.unwrap();
    assert_eq!(first.status(), 202);
    let first: serde_json::Value = first.json().await.unwrap();
    // The same request again is the same job: the body was compared, not refused.
    let again: serde_json::Value = upload().await.unwrap().json().await.unwrap();
    assert_eq!(again["id"], first["id"], "{again}");
    t.stop().await;
}

/// The response head (up to the first blank line), or all until close.
async fn read_to_close_or_head(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
            if String::from_utf8_lossy(&out).contains("payload_too_large") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer within 10 s");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn half_sent_requests_and_idle_connections_are_closed() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_HTTP_HEADER_READ_TIMEOUT_SECS", "1")
        .with("EXECORA_HTTP_IDLE_TIMEOUT_SECS", "2");
    let t = TestApp::start(&env, true, false).await;
    // Slow-loris: half a request, then a header line every 200 ms, so the connection
    // never looks idle; the head deadline still ends it.
    let started = Instant::now();
    let mut conn = TcpStream::connect(addr(&t)).await.unwrap();
    conn.write_all(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (mut reader, mut writer) = conn.into_split();
    let trickle = tokio::spawn(async move {
        for i in 0..100 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer
                .write_all(format!("X-Slow-{i}: a\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    });
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "a half-sent request held its connection");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "closed by the head deadline"
    );
    trickle.abort();
    // An idle connection (nothing sent at all) is closed too.
    let mut idle = TcpStream::connect(addr(&t)).await.unwrap();
    read_to_close(&mut idle).await;
    // Whole requests still work, and a WebSocket outlives the idle deadline.
    let health = client()
        .get(format!("{}/health", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let (tenant, owner) = env.tenant(&t.app, None).await;
    let mut ws = WsClient::connect(&t.ws_url, &t.token(tenant, owner, Role::Owner)).await;
    // Waiting is the point here: nothing should happen in three idle seconds.
    tokio::time::sleep(Duration::from_secs(3)).await;
    ws.send(json!({"type": "ping"})).await;
    assert_eq!(ws.next().await["type"], "pong");
    t.stop().await;
}

#[tokio::test]
async fn wrong_passwords_from_one_address_do_not_lock_the_owner_out_from_another() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_HTTP_TRUSTED_PROXIES", "127.0.0.1")
        .with("EXECORA_LIMITS_AUTH_PER_EMAIL_PER_HOUR", "3");
    let t = TestApp::start(&env, true, false).await;
    let email = unique_email("victim");
    sign_up(&t.base, &email, PASSWORD).await;
    let login = |from: &'static str, password: &'static str| {
        client()
            .post(format!("{}/api/v1/auth/login", t.base))
            .header("x-forwarded-for", from)
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    let mut attacker = Vec::new();
    for _ in 0..4 {
        attacker.push(
            login("203.0.113.7", "wrong-wrong-wrong")
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(attacker, [401, 401, 401, 429], "the guesser is limited");
    let owner = login("198.51.100.9", PASSWORD).await.unwrap();
    assert_eq!(
        owner.status(),
        200,
        "the owner, elsewhere, is not locked out"
    );
    let code = client()
        .post(format!("{}/api/v1/auth/otp", t.base))
        .header("x-forwarded-for", "198.51.100.9")
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(code.status(), 202, "nor out of code login");
    t.stop().await;
}

/// How many erasure emails `to` has received.
fn erasure_mails(to: &str) -> usize {
    let dir = std::path::PathBuf::from(std::env::var("EXECORA_TEST_MAILDIR").unwrap()).join("new");
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter(|text| {
            text.contains(&format!("To: {to}")) && text.contains("Confirm a customer erasure")
        })
        .count()
}

/// The newest erasure code mailed to `to` that is not `old` (fails after 5 s).
async fn new_code(to: &str, old: &str) -> String {
    for _ in 0..200 {
        let code = login_code_for(to).await;
        if code != old {
            return code;
        }
        // The sink writes a message after accepting it: poll, as `login_code_for` does.
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no new erasure code arrived");
}

#[tokio::test]
async fn erasure_codes_are_mailed_once_and_guesses_are_bounded_across_requests() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_AUTH_ERASURE_GUESSES_PER_DAY", "6")
        .with("EXECORA_AUTH_ERASURE_REQUESTS_PER_HOUR", "3");
    let t = TestApp::start(&env, true, false).await;
    let owner_email = unique_email("owner");
    let (tenant, _, _, _) = sign_up(&t.base, &owner_email, PASSWORD).await;
    let clerk = users::invite(
        &t.app.pool,
        tenant,
        &unique_email("clerk"),
        "Dinesh",
        Role::Staff,
    )
    .await
    .unwrap();
    let token = t.token(tenant, clerk.id, Role::Staff);
    let customer = customers::create(&t.app.pool, tenant, &customer_data("Bharat"))
        .await
        .unwrap()
        .id;
    let base = format!("{}/api/v1/customers/{customer}/erasure-requests", t.base);
    let request = || client().post(&base).bearer_auth(&token).send();
    let guess = |code: String| {
        client()
            .post(format!("{base}/confirm"))
            .bearer_auth(&token)
            .json(&json!({"code": code}))
            .send()
    };
    // Another tenant guessing at this customer is a 404 and spends nothing.
    let (other_tenant, other_owner) = env.tenant(&t.app, None).await;
    let outsider = t.token(other_tenant, other_owner, Role::Owner);
    for _ in 0..6 {
        let resp = client()
            .post(format!("{base}/confirm"))
            .bearer_auth(&outsider)
            .json(&json!({"code": "000000"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404);
    }

    assert_eq!(request().await.unwrap().status(), 202);
    let first = login_code_for(&owner_email).await;
    assert_eq!(
        request().await.unwrap().status(),
        202,
        "a live code is not sent again"
    );
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..5 {
        assert_eq!(guess(wrong.into()).await.unwrap().status(), 401);
    }
    // The first code is locked; a new one may be sent, but the day's guesses are
    // counted across codes: one more wrong guess, and then even the right code fails.
    assert_eq!(request().await.unwrap().status(), 202);
    let second = new_code(&owner_email, &first).await;
    assert_eq!(erasure_mails(&owner_email), 2, "one email per live code");
    let wrong = if second == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert_eq!(guess(wrong.into()).await.unwrap().status(), 401);
    assert_eq!(
        guess(second).await.unwrap().status(),
        401,
        "over the guess budget"
    );
    assert_eq!(
        request().await.unwrap().status(),
        429,
        "requests are throttled"
    );
    let still = customers::get(&t.app.pool, tenant, customer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.name, "Bharat", "not erased");
    t.stop().await;
}
