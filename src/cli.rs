//! The command line: one binary, several modes.

use std::{process::ExitCode, time::Duration};

use anyhow::Context;
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;
use tokio::sync::watch;
use uuid::Uuid;

use crate::{
    api, app::App, auth::Role, config::Settings, db, domain, operator, telemetry, workflows,
};

#[derive(Parser)]
#[command(
    name = "execora",
    version,
    about = "Voice-first shop assistant back end"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// HTTP API, WebSocket and webhooks.
    Serve,
    /// Workers for every workflow, and the periodic upkeep.
    Work,
    /// Server and workers in one process.
    Run,
    /// Apply database migrations (safe from many processes at once).
    Migrate,
    /// Print the OpenAPI document (YAML).
    Openapi,
    /// Print the configuration reference (Markdown; `docs/configuration.md` is this).
    ConfigDocs,
    /// Print an access token signed with the configured key.
    Token {
        #[arg(long)]
        tenant: Uuid,
        #[arg(long)]
        user: Uuid,
        #[arg(long, default_value = "owner")]
        role: String,
    },
    /// Create (or find) the demo business, its owner (password kept in
    /// `<data_dir>/demo-owner-password`) and sample data; print `TENANT USER` ids.
    DemoTenant,
    /// List, show, retry and cancel jobs through a server's API (needs --token).
    Jobs {
        #[command(flatten)]
        conn: operator::Connection,
        #[command(subcommand)]
        command: operator::JobsCommand,
    },
    /// Queue figures per workflow, or pause / resume one, through a server's API
    /// (needs --token; pausing needs an owner's).
    Queues {
        #[command(flatten)]
        conn: operator::Connection,
        #[command(subcommand)]
        command: Option<operator::QueuesCommand>,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    // These need no configuration: the generated documents describe the code, and the
    // operator commands talk to a server over HTTP.
    let command = match cli.command {
        Command::Openapi => {
            print!("{}", api::spec_yaml());
            return ExitCode::SUCCESS;
        }
        Command::ConfigDocs => {
            print!("{}", crate::config::reference::markdown());
            return ExitCode::SUCCESS;
        }
        Command::Jobs { conn, command } => return operator::main(conn, Some(command)),
        Command::Queues { conn, command } => return operator::queues(conn, command),
        other => other,
    };
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("execora: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("execora: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Inside the runtime: the span exporter's batch task is spawned on it.
    let telemetry = match runtime.block_on(async { telemetry::init(&settings) }) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("execora: cannot set up telemetry: {e:#}");
            return ExitCode::from(2);
        }
    };
    let outcome = runtime.block_on(async {
        let outcome = dispatch(command, settings).await;
        // Every mode ends here, so the spans of its last moments are exported, not lost.
        telemetry.shutdown().await;
        outcome
    });
    // Background tasks (event subscription, cache listener) are abandoned, not awaited:
    // everything that had to finish has finished by now.
    runtime.shutdown_timeout(Duration::from_secs(1));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("execora: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Migrate => db::migrate(settings.database_url.expose_secret()).await,
        Command::Token { tenant, user, role } => {
            let role = Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("--role must be owner, manager or staff"))?;
            let tokens = crate::app::load_tokens(&settings)?;
            println!("{}", tokens.issue(tenant, user, role)?);
            Ok(())
        }
        Command::DemoTenant => {
            let pool = db::connect(&settings).await?;
            let shop = domain::demo::ensure(
                &pool,
                &settings.data_dir,
                settings.reminders.min_interval_minutes,
            )
            .await?;
            println!("{} {}", shop.tenant, shop.owner);
            Ok(())
        }
        Command::Serve => serve(App::build(settings).await?, false).await,
        Command::Work => {
            let stop = shutdown_watch()?;
            work(App::build(settings).await?, stop).await
        }
        Command::Run => serve(App::build(settings).await?, true).await,
        Command::Openapi | Command::ConfigDocs | Command::Jobs { .. } | Command::Queues { .. } => {
            Ok(())
        }
    }
}

/// Listens for SIGTERM and SIGINT once for the whole process and returns a watch that
/// turns `true` on the first. Every part that must stop (the HTTP server and its
/// WebSockets, the workers) waits on its own clone, so one signal reaches them all. A
/// second signal exits at once, for an operator who does not want to wait.
fn shutdown_watch() -> anyhow::Result<watch::Receiver<bool>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!(
            signal = name,
            "shutting down: finishing in-flight requests and jobs (a second signal exits now)"
        );
        tx.send_replace(true);
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::warn!("second signal: exiting without waiting for in-flight work");
        std::process::exit(1);
    });
    Ok(rx)
}

/// Resolves when the watch from [`shutdown_watch`] turns `true`.
async fn stopped(mut stop: watch::Receiver<bool>) -> std::io::Result<()> {
    // An error means the signal task is gone, which only happens after the first signal.
    let _ = stop.wait_for(|s| *s).await;
    Ok(())
}

async fn serve(app: App, with_workers: bool) -> anyhow::Result<()> {
    let stop = shutdown_watch()?;
    let workers = with_workers.then(|| tokio::spawn(work(app.clone(), stop.clone())));
    let acceptor = api::bind(&app.settings).await?;
    let hub = app.start_hub();
    api::serve(acceptor, app.clone(), hub, stopped(stop)).await?;
    // `accepted` events are queued, not awaited, by requests: write them before exiting.
    flush_events(&app).await;
    if let Some(w) = workers {
        // The workers saw the same signal at the same time; they stop within their own
        // shutdown timeout, so this bound is only a backstop.
        let grace = Duration::from_secs(app.settings.jobs.shutdown_timeout_secs + 5);
        match tokio::time::timeout(grace, w).await {
            Ok(Ok(result)) => result?,
            Ok(Err(e)) => anyhow::bail!("the workers' task failed: {e}"),
            Err(_) => tracing::warn!("workers did not stop within their shutdown timeout"),
        }
    }
    Ok(())
}

/// Writes the events still queued, waiting a bounded time: while Redis is unreachable
/// the batcher retries them for ever, and shutdown must not wait on Redis. What is left
/// then is parked in PostgreSQL, for a worker to write once Redis answers.
async fn flush_events(app: &App) {
    let events = app.queue.events();
    let grace = Duration::from_secs(5);
    // Once parking (an earlier call gave up), everything queued since waits to be parked.
    if tokio::time::timeout(grace, events.flushed()).await.is_ok() && !events.parking() {
        return;
    }
    match workflows::events_park::park_unwritten(events, &app.pool).await {
        Ok(n) => tracing::warn!(
            events = n,
            "job events not written before exit (Redis unreachable); parked in PostgreSQL"
        ),
        Err(e) => {
            tracing::error!(error = %e, "job events neither written to Redis nor parked in PostgreSQL; they are lost")
        }
    }
}

async fn work(app: App, stop: watch::Receiver<bool>) -> anyhow::Result<()> {
    let upkeep = tokio::spawn(workflows::upkeep::run(
        app.runtime.clone(),
        (*app.settings).clone(),
    ));
    // apalis stops fetching at once, lets running jobs finish for up to
    // EXECORA_JOBS_SHUTDOWN_TIMEOUT_SECS and returns unstarted ones to the queue.
    let result = workflows::worker::run(
        app.runtime.clone(),
        app.redis.clone(),
        &app.settings,
        stopped(stop),
    )
    .await;
    upkeep.abort();
    // Events are queued, not awaited, by workers: write the last ones before exiting.
    flush_events(&app).await;
    tracing::info!("workers stopped");
    result
}
