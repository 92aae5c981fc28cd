//! The attack battery: one test per attack, each asserting the refusal and that nothing
//! changed.

use base64::Engine;
use execora::auth::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

use crate::common::{TestApp, TestEnv, WsClient, client, sign_up, unique_email};

const PASSWORD: &str = "chai-and-samosa-42";

/// Signs arbitrary claims with the server's own key (what an attacker cannot do; the
/// control case proves the crafting is right).
struct Forger {
    key: EncodingKey,
    kid: String,
    public_x: String,
}

impl Forger {
    async fn new(env: &TestEnv, base: &str) -> Self {
        let pem = std::fs::read(
            std::path::Path::new(&env.vars["EXECORA_DATA_DIR"]).join("jwt-signing-key.pem"),
        )
        .unwrap();
        let jwks: Value = client()
            .get(format!("{base}/.well-known/jwks.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Self {
            key: EncodingKey::from_ed_pem(&pem).unwrap(),
            kid: jwks["keys"][0]["kid"].as_str().unwrap().to_string(),
            public_x: jwks["keys"][0]["x"].as_str().unwrap().to_string(),
        }
    }

    fn sign(&self, claims: &Value, kid: Option<&str>, typ: &str) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid.unwrap_or(&self.kid).to_string());
        header.typ = Some(typ.to_string());
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }
}

fn claims(tenant: Uuid, user: Uuid, tweak: impl FnOnce(&mut Value)) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut c = json!({"iss": "execora", "aud": "execora-api", "sub": user, "tid": tenant, "role": "owner",
                       "iat": now, "nbf": now, "exp": now + 300, "jti": Uuid::new_v4()});
    tweak(&mut c);
    c
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

#[tokio::test]
async fn forged_and_malformed_access_tokens_are_refused() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user, _, _) = sign_up(&t.base, &unique_email("jwt"), PASSWORD).await;
    let forger = Forger::new(&env, &t.base).await;
    let me = |token: String| {
        let url = format!("{}/api/v1/me", t.base);
        async move {
            client()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Control: correctly formed claims signed by the real key are accepted.
    assert_eq!(
        me(forger.sign(&claims(tenant, user, |_| {}), None, "at+jwt")).await,
        200
    );
    let now = chrono::Utc::now().timestamp();
    let valid = claims(tenant, user, |_| {});
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "at+jwt", "kid": forger.kid})),
        b64(&valid)
    );
    let hs256 = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(forger.kid.clone());
        header.typ = Some("at+jwt".into());
        jsonwebtoken::encode(
            &header,
            &valid,
            &EncodingKey::from_secret(forger.public_x.as_bytes()),
        )
        .unwrap()
    };
    let tampered = {
        let token = forger.sign(
            &claims(tenant, user, |c| c["role"] = json!("staff")),
            None,
            "at+jwt",
        );
        let parts: Vec<&str> = token.split('.').collect();
        format!("{}.{}.{}", parts[0], b64(&valid), parts[2])
    };
    let attacks: Vec<(&str, String)> = vec![
        ("alg none", alg_none),
        ("HS256 keyed with the public key", hs256),
        (
            "unknown kid",
            forger.sign(&valid, Some("not-a-key"), "at+jwt"),
        ),
        (
            "expired",
            forger.sign(
                &claims(tenant, user, |c| c["exp"] = json!(now - 120)),
                None,
                "at+jwt",
            ),
        ),
        (
            "not yet valid",
            forger.sign(
                &claims(tenant, user, |c| c["nbf"] = json!(now + 600)),
                None,
                "at+jwt",
            ),
        ),
        (
            "wrong audience",
            forger.sign(
                &claims(tenant, user, |c| c["aud"] = json!("someone-else")),
                None,
                "at+jwt",
            ),
        ),
        (
            "wrong issuer",
            forger.sign(
                &claims(tenant, user, |c| c["iss"] = json!("evil")),
                None,
                "at+jwt",
            ),
        ),
        ("not an access token", forger.sign(&valid, None, "JWT")),
        ("tampered payload", tampered),
        (
            "another tenant in the claims",
            forger.sign(&claims(Uuid::new_v4(), user, |_| {}), None, "at+jwt"),
        ),
    ];
    for (name, token) in attacks {
        assert_eq!(me(token).await, 401, "{name}");
    }
    t.stop().await;
}

#[tokio::test]
async fn rotated_keys_are_accepted_and_published() {
    let old_env = TestEnv::new().await;
    let old = TestApp::start(&old_env, false, false).await;
    let old_pem = std::fs::read_to_string(
        std::path::Path::new(&old_env.vars["EXECORA_DATA_DIR"]).join("jwt-signing-key.pem"),
    )
    .unwrap();
    let new_env = TestEnv::new().await;
    let new_key_app = TestApp::start(&new_env, false, false).await;
    let new_pem = std::fs::read_to_string(
        std::path::Path::new(&new_env.vars["EXECORA_DATA_DIR"]).join("jwt-signing-key.pem"),
    )
    .unwrap();
    // A server signing with the new key that still accepts the old one.
    let env = TestEnv::new()
        .await
        .with("EXECORA_JWT_PRIVATE_KEY", &new_pem)
        .with("EXECORA_JWT_ROTATED_KEYS", &old_pem);
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let jwks: Value = client()
        .get(format!("{}/.well-known/jwks.json", t.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    for issuer in [&old.app, &new_key_app.app] {
        let token = issuer.tokens.issue(tenant, user, Role::Owner).unwrap();
        let status = client()
            .get(format!("{}/api/v1/jobs", t.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
    t.stop().await;
}

#[tokio::test]
async fn cross_tenant_reads_and_deletes_answer_404_and_change_nothing() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (_, _, owner_a, _) = sign_up(&t.base, &unique_email("a"), PASSWORD).await;
    let (_, _, owner_b, _) = sign_up(&t.base, &unique_email("b"), PASSWORD).await;
    let c = client();
    let invited: Value = c
        .post(format!("{}/api/v1/users", t.base))
        .bearer_auth(&owner_a)
        .json(&json!({"email": unique_email("clerk"), "display_name": "Clerk", "role": "staff"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = invited["id"].as_str().unwrap();
    assert_eq!(
        c.get(format!("{}/api/v1/users/{id}", t.base))
            .bearer_auth(&owner_b)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        c.delete(format!("{}/api/v1/users/{id}", t.base))
            .bearer_auth(&owner_b)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let list_b: Value = c
        .get(format!("{}/api/v1/users", t.base))
        .bearer_auth(&owner_b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        list_b
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["id"] != json!(id))
    );
    assert_eq!(
        c.get(format!("{}/api/v1/users/{id}", t.base))
            .bearer_auth(&owner_a)
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "still there"
    );
    t.stop().await;
}

#[tokio::test]
async fn login_is_rate_limited_per_email() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_LIMITS_AUTH_PER_EMAIL_PER_HOUR", "3");
    let t = TestApp::start(&env, true, false).await;
    let email = unique_email("limited");
    let statuses = {
        let mut s = Vec::new();
        for _ in 0..4 {
            let resp = client()
                .post(format!("{}/api/v1/auth/login", t.base))
                .json(&json!({"email": email, "password": "guess-guess-guess"}))
                .send()
                .await
                .unwrap();
            if resp.status() == 429 {
                let retry: u64 = resp.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(retry > 0 && retry <= 3600);
                assert_eq!(resp.json::<Value>().await.unwrap()["code"], "rate_limited");
                s.push(429);
            } else {
                s.push(resp.status().as_u16());
            }
        }
        s
    };
    assert_eq!(statuses, [401, 401, 401, 429]);
    t.stop().await;
}

#[tokio::test]
async fn the_api_limit_holds_across_two_servers_sharing_redis() {
    let env = TestEnv::new()
        .await
        .with("EXECORA_LIMITS_API_PER_USER_PER_MINUTE", "5");
    let a = TestApp::start(&env, true, false).await;
    let b = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&a.app, None).await;
    let token = a.token(tenant, user, Role::Owner);
    let mut statuses = Vec::new();
    for (i, base) in [&a.base, &b.base, &a.base, &b.base, &a.base, &b.base]
        .iter()
        .enumerate()
    {
        let resp = client()
            .get(format!("{base}/api/v1/jobs"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if i < 5 {
            assert_eq!(
                resp.headers()["ratelimit-remaining"],
                (4 - i).to_string().as_str()
            );
        } else {
            assert!(resp.headers().contains_key("retry-after"));
        }
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn websocket_refuses_expired_tokens_foreign_origins_and_reused_tickets() {
    let env = TestEnv::new().await.with(
        "EXECORA_HTTP_CORS_ALLOWED_ORIGINS",
        "https://app.shop.example",
    );
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user, access, _) = sign_up(&t.base, &unique_email("ws"), PASSWORD).await;
    let forger = Forger::new(&env, &t.base).await;
    let status_of = |req| async move {
        match tokio_tungstenite::connect_async(req).await {
            Ok(_) => 101,
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
            Err(e) => panic!("{e}"),
        }
    };
    let expired = forger.sign(
        &claims(tenant, user, |c| {
            c["exp"] = json!(chrono::Utc::now().timestamp() - 120)
        }),
        None,
        "at+jwt",
    );
    let mut req = t.ws_url.as_str().into_client_request().unwrap();
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {expired}").parse().unwrap(),
    );
    assert_eq!(status_of(req).await, 401, "expired token");
    for (origin, expected) in [
        ("https://evil.example", 403),
        ("https://app.shop.example", 101),
    ] {
        let mut req = t.ws_url.as_str().into_client_request().unwrap();
        req.headers_mut()
            .insert("authorization", format!("Bearer {access}").parse().unwrap());
        req.headers_mut().insert("origin", origin.parse().unwrap());
        assert_eq!(status_of(req).await, expected, "{origin}");
    }
    // A ticket works once.
    let ticket: Value = client()
        .post(format!("{}/api/v1/auth/ws-ticket", t.base))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = format!("{}?ticket={}", t.ws_url, ticket["ticket"].as_str().unwrap());
    let (stream, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    let mut ws = WsClient { stream };
    ws.send(json!({"type": "ping"})).await;
    assert_eq!(ws.next().await["type"], "pong");
    assert_eq!(
        status_of(url.as_str().into_client_request().unwrap()).await,
        401,
        "ticket reused"
    );
    t.stop().await;
}

#[tokio::test]
async fn security_headers_and_cors_allow_list() {
    let env = TestEnv::new().await.with(
        "EXECORA_HTTP_CORS_ALLOWED_ORIGINS",
        "https://app.shop.example",
    );
    let t = TestApp::start(&env, true, false).await;
    let c = client();
    let resp = c.get(format!("{}/health", t.base)).send().await.unwrap();
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert_eq!(resp.headers()["x-frame-options"], "DENY");
    assert!(
        resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert!(
        !resp.headers().contains_key("strict-transport-security"),
        "no HSTS without TLS"
    );
    let preflight = |origin: &'static str| {
        c.request(reqwest::Method::OPTIONS, format!("{}/api/v1/jobs", t.base))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .send()
    };
    let ok = preflight("https://app.shop.example").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://app.shop.example"
    );
    let foreign = preflight("https://evil.example").await.unwrap();
    assert!(
        !foreign
            .headers()
            .contains_key("access-control-allow-origin")
    );
    t.stop().await;
}

#[tokio::test]
async fn native_tls_serves_https_with_hsts() {
    let dir = std::env::temp_dir().join(format!("execora-tls-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .args([
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl (Debian's openssl package)");
    assert!(status.success());
    let env = TestEnv::new()
        .await
        .with("EXECORA_HTTP_TLS_CERT_FILE", cert.to_str().unwrap())
        .with("EXECORA_HTTP_TLS_KEY_FILE", key.to_str().unwrap());
    let t = TestApp::start(&env, true, false).await;
    let https = t.base.replace("http://", "https://");
    let tls_client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let resp = tls_client
        .get(format!("{https}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    assert!(
        client()
            .get(format!("{}/health", t.base))
            .send()
            .await
            .is_err(),
        "plain HTTP is not served"
    );
    t.stop().await;
}
