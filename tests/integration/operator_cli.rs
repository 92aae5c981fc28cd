//! `execora jobs …` and `execora queues`: the real binary against a test server.
//!
//! The server runs without workers, so seeded jobs stay where they were put and a
//! retried job stays queued; outputs can then be checked exactly.

use execora::auth::Role;
use serde_json::Value;
use uuid::Uuid;

use crate::common::{TestApp, TestEnv};
use crate::dashboard::seed;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `execora ARGS --url BASE` with the token in `EXECORA_TOKEN` (as an operator's
/// shell would have it), nothing else of the environment that could steer it.
async fn cli(base: &str, token: Option<&str>, args: &[&str]) -> Out {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_execora"));
    cmd.args(args)
        .args(["--url", base])
        .env_remove("EXECORA_API_URL")
        .env_remove("EXECORA_TOKEN")
        .env_remove("DATABASE_URL");
    if let Some(token) = token {
        cmd.env("EXECORA_TOKEN", token);
    }
    let out = cmd.output().await.unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn ok(out: &Out) -> &str {
    assert_eq!(
        out.code, 0,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    &out.stdout
}

/// The cells of the table line that mentions `id`.
fn cells(table: &str, id: Uuid) -> Vec<String> {
    let line = table
        .lines()
        .find(|l| l.contains(&id.to_string()))
        .unwrap_or_else(|| panic!("{id} not in\n{table}"));
    line.split_whitespace().map(str::to_string).collect()
}

#[tokio::test]
async fn operators_list_show_retry_and_cancel_jobs_and_read_queues() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let (tenant, user) = env.tenant(&t.app, None).await;
    let owner = t.token(tenant, user, Role::Owner);
    let token = Some(owner.as_str());
    let dead = seed(&t, tenant, "probe", "dead", -600, None, Some(-600)).await;
    let queued = seed(&t, tenant, "probe", "queued", -30, None, None).await;
    let done = seed(&t, tenant, "invoice", "succeeded", -60, None, Some(-60)).await;

    // list: an aligned table, newest first, with filters.
    let out = cli(&t.base, token, &["jobs", "list"]).await;
    let table = ok(&out);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "WORKFLOW", "STATE", "ATTEMPTS", "CREATED", "FINISHED"]
    );
    assert_eq!(table.lines().count(), 4, "{table}");
    assert_eq!(cells(table, dead)[1..4], ["probe", "dead", "1"]);
    assert_eq!(cells(table, queued)[5], "-", "not finished");
    let only_dead = cli(&t.base, token, &["jobs", "list", "--state", "dead"]).await;
    assert_eq!(ok(&only_dead).lines().count(), 2);
    let invoices = cli(
        &t.base,
        token,
        &["jobs", "list", "--workflow", "invoice", "--json"],
    )
    .await;
    let json: Value = serde_json::from_str(ok(&invoices)).unwrap();
    assert_eq!(json["items"][0]["id"], done.to_string());
    assert_eq!(json["items"].as_array().unwrap().len(), 1);

    // show: fields, then the errors table.
    let out = cli(&t.base, token, &["jobs", "show", &dead.to_string()]).await;
    let shown = ok(&out);
    assert!(shown.contains(&format!("id           {dead}\n")), "{shown}");
    assert!(shown.contains("state        dead\n"), "{shown}");
    assert!(
        shown.contains("errors:\nATTEMPT  STEP  TRANSIENT  AT"),
        "{shown}"
    );
    assert!(shown.contains("seeded failure"), "{shown}");

    // retry: the dead job is queued again; cancel: the queued one is cancelled.
    let out = cli(&t.base, token, &["jobs", "retry", &dead.to_string()]).await;
    assert!(ok(&out).contains("state        queued\n"), "{}", out.stdout);
    let out = cli(&t.base, token, &["jobs", "cancel", &queued.to_string()]).await;
    assert!(
        ok(&out).contains("state        cancelled\n"),
        "{}",
        out.stdout
    );

    // API errors: status, code and message on stderr, exit 1, nothing on stdout.
    let out = cli(&t.base, token, &["jobs", "cancel", &done.to_string()]).await;
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr.trim(),
        "execora: 409 job_not_cancellable: a succeeded job cannot be cancelled"
    );
    let out = cli(
        &t.base,
        token,
        &["jobs", "show", &Uuid::now_v7().to_string()],
    )
    .await;
    assert_eq!(
        (out.code, out.stderr.trim()),
        (1, "execora: 404 not_found: job not found")
    );
    let staff = t.token(tenant, user, Role::Staff);
    let out = cli(&t.base, Some(&staff), &["queues"]).await;
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with("execora: 403 forbidden: "),
        "{}",
        out.stderr
    );

    // queues: one line per workflow; the retried job waits, the seeded ones finished.
    let out = cli(&t.base, token, &["queues"]).await;
    let table = ok(&out);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "WORKFLOW",
            "WAITING",
            "SCHEDULED",
            "RUNNING",
            "OLDEST_S",
            "DONE_5M",
            "DONE_60M",
            "FAILED",
            "DEAD",
            "STATE"
        ]
    );
    let line = |wf: &str| -> Vec<String> {
        let l = table
            .lines()
            .find(|l| l.starts_with(&format!("{wf} ")))
            .unwrap();
        l.split_whitespace().map(str::to_string).collect()
    };
    // probe: the retried job waits; the cancelled one finished just now; none dead.
    assert_eq!(line("probe")[1..4], ["1", "0", "0"]);
    assert_eq!(line("probe")[5..], ["1", "1", "0", "0", "running"]);
    assert_eq!(line("invoice")[5..], ["1", "1", "0", "0", "running"]);
    let json = cli(&t.base, token, &["queues", "--json"]).await;
    let list: Value = serde_json::from_str(ok(&json)).unwrap();
    assert!(list["items"].as_array().unwrap().len() >= 5);
    t.stop().await;
}

#[tokio::test]
async fn the_cli_needs_a_token_and_a_reachable_server() {
    let env = TestEnv::new().await;
    let t = TestApp::start(&env, true, false).await;
    let out = cli(&t.base, None, &["queues"]).await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--token or set EXECORA_TOKEN"),
        "{}",
        out.stderr
    );
    let out = cli(&t.base, Some("not-a-jwt"), &["jobs", "list"]).await;
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("execora: 401 "), "{}", out.stderr);
    t.stop().await;
    // The server is gone: a clear message naming the URL, exit 1.
    let closed = cli("http://127.0.0.1:9", Some("x"), &["queues"]).await;
    assert_eq!(closed.code, 1);
    assert!(
        closed.stderr.contains("cannot reach http://127.0.0.1:9"),
        "{}",
        closed.stderr
    );
}
