//! `execora jobs …` and `execora queues [pause|resume NAME]`: the operator's terminal
//! view of the job API.
//!
//! These commands are HTTP clients of a running server (`--url`, `--token`), not of the
//! database: an operator needs a token, not `DATABASE_URL`, and gets exactly the API's
//! answers and permission checks (staff are refused, other tenants' jobs are 404).
//! Output is an aligned table, or the API's JSON with `--json`. An API error prints
//! its status, code and message to stderr and exits 1.

mod render;

use std::{process::ExitCode, time::Duration};

use clap::{Args, Subcommand};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

/// Where the API is and who is asking; accepted before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// Base URL of the Execora server.
    #[arg(
        long,
        global = true,
        env = "EXECORA_API_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    url: String,
    /// Access token (owner or manager), e.g. from `execora token` or a login.
    #[arg(long, global = true, env = "EXECORA_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Print the API's JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first.
    List {
        #[arg(long)]
        workflow: Option<String>,
        /// queued, running, retrying, succeeded, failed, dead or cancelled.
        #[arg(long)]
        state: Option<String>,
        /// Page size, 1 to 100.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// The next page (printed under a full page).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// One job: state, attempts, every error, the result.
    Show { id: Uuid },
    /// Run a failed or dead job again from the step that failed.
    Retry {
        id: Uuid,
        /// Wait up to this many seconds (≤ 30) for the job to finish.
        #[arg(long)]
        wait: Option<u32>,
    },
    /// Cancel a job that is queued or waiting to retry.
    Cancel { id: Uuid },
}

/// `execora queues pause|resume NAME` (owners only; audited by the server).
#[derive(Debug, Clone, Subcommand)]
pub enum QueuesCommand {
    /// Stop workers taking the workflow's jobs; they wait until it is resumed.
    Pause { workflow: String },
    /// Let workers take the workflow's jobs again.
    Resume { workflow: String },
}

/// What to ask the API, and how to print its answer.
enum Request {
    JobList(Vec<(&'static str, String)>),
    Job(Method, String, Option<u32>),
    Queues,
    /// POST to `/queues/{workflow}/pause` or `/resume` (the path's tail).
    QueueState(String),
}

/// Runs `execora queues` (figures per workflow), or its `pause` / `resume`.
pub fn queues(conn: Connection, command: Option<QueuesCommand>) -> ExitCode {
    let request = match command {
        None => Request::Queues,
        Some(QueuesCommand::Pause { workflow }) => {
            Request::QueueState(format!("{}/pause", path_segment(&workflow)))
        }
        Some(QueuesCommand::Resume { workflow }) => {
            Request::QueueState(format!("{}/resume", path_segment(&workflow)))
        }
    };
    run(conn, request)
}

/// A workflow name as one path segment (names are plain words; anything else is
/// percent-encoded so it cannot reach another route).
fn path_segment(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Runs `execora jobs <command>` (or `execora queues` when `jobs` is `None`).
pub fn main(conn: Connection, jobs: Option<JobsCommand>) -> ExitCode {
    let request = match jobs {
        None => Request::Queues,
        Some(JobsCommand::List {
            workflow,
            state,
            limit,
            cursor,
        }) => {
            let mut query = vec![("limit", limit.to_string())];
            query.extend(workflow.map(|w| ("workflow", w)));
            query.extend(state.map(|s| ("state", s)));
            query.extend(cursor.map(|c| ("cursor", c)));
            Request::JobList(query)
        }
        Some(JobsCommand::Show { id }) => Request::Job(Method::GET, format!("/jobs/{id}"), None),
        Some(JobsCommand::Retry { id, wait }) => {
            Request::Job(Method::POST, format!("/jobs/{id}/retry"), wait)
        }
        Some(JobsCommand::Cancel { id }) => {
            Request::Job(Method::POST, format!("/jobs/{id}/cancel"), None)
        }
    };
    run(conn, request)
}

fn run(conn: Connection, request: Request) -> ExitCode {
    let Some(token) = conn.token.clone().filter(|t| !t.is_empty()) else {
        eprintln!("execora: no access token: pass --token or set EXECORA_TOKEN");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("execora: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(call(&conn, &token, &request)) {
        Ok(body) => {
            let out = if conn.json {
                serde_json::to_string_pretty(&body).unwrap_or_default() + "\n"
            } else {
                match request {
                    Request::JobList(_) => render::job_list(&body),
                    Request::Job(..) => render::job(&body),
                    Request::Queues => render::queues(&body),
                    Request::QueueState(_) => render::queue_state(&body),
                }
            };
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("execora: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Sends the request; an error is one line: the API's status, code and message, or why
/// the server could not be reached.
async fn call(conn: &Connection, token: &str, request: &Request) -> Result<Value, String> {
    let base = format!("{}/api/v1", conn.url.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(45))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let builder = match request {
        Request::Queues => client.get(format!("{base}/queues")),
        Request::QueueState(tail) => client.post(format!("{base}/queues/{tail}")),
        Request::JobList(query) => client.get(format!("{base}/jobs")).query(query),
        Request::Job(method, path, wait) => {
            let b = client.request(method.clone(), format!("{base}{path}"));
            match wait {
                Some(w) => b.header("prefer", format!("wait={w}")),
                None => b,
            }
        }
    };
    let resp = builder
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| format!("cannot reach {}: {e}", conn.url))?;
    let status = resp.status();
    let text = resp
        .text()
        .await
        .map_err(|e| format!("reading the answer from {}: {e}", conn.url))?;
    let body: Option<Value> = serde_json::from_str(&text).ok();
    if status.is_success() {
        return body.ok_or_else(|| format!("{status}: the answer is not JSON"));
    }
    Err(describe_error(status, body.as_ref()))
}

/// `403 forbidden: only owners and managers retry jobs`
fn describe_error(status: StatusCode, body: Option<&Value>) -> String {
    let code = body
        .and_then(|b| b["code"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| format!("http_{}", status.as_u16()));
    let message = body
        .and_then(|b| b["message"].as_str())
        .or(status.canonical_reason())
        .unwrap_or("request failed");
    format!("{} {code}: {message}", status.as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_status_code_and_message() {
        let body = serde_json::json!({"code": "job_not_retryable", "message": "a succeeded job cannot be retried"});
        assert_eq!(
            describe_error(StatusCode::CONFLICT, Some(&body)),
            "409 job_not_retryable: a succeeded job cannot be retried"
        );
        assert_eq!(
            describe_error(StatusCode::UNAUTHORIZED, None),
            "401 http_401: Unauthorized"
        );
    }
}
