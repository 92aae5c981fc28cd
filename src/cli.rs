//! The command line: one binary, several modes.

use std::{process::ExitCode, time::Duration};

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;
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
    /// Print an access token signed with the configured key.
    Token {
        #[arg(long)]
        tenant: Uuid,
        #[arg(long)]
        user: Uuid,
        #[arg(long, default_value = "owner")]
        role: String,
    },
    /// Create (or find) the demo business and print `TENANT USER` ids.
    DemoTenant,
    /// List, show, retry and cancel jobs through a server's API (needs --token).
    Jobs {
        #[command(flatten)]
        conn: operator::Connection,
        #[command(subcommand)]
        command: operator::JobsCommand,
    },
    /// Queue figures per workflow through a server's API (needs --token).
    Queues {
        #[command(flatten)]
        conn: operator::Connection,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    // These need no configuration: the OpenAPI document is static, and the operator
    // commands talk to a server over HTTP.
    let command = match cli.command {
        Command::Openapi => {
            print!("{}", api::spec_yaml());
            return ExitCode::SUCCESS;
        }
        Command::Jobs { conn, command } => return operator::main(conn, Some(command)),
        Command::Queues { conn } => return operator::main(conn, None),
        other => other,
    };
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("execora: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init_logging(&settings);
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
    match runtime.block_on(dispatch(command, settings)) {
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
            let (tenant, user) = domain::businesses::ensure_demo(
                &pool,
                "Demo Kirana Store",
                "owner@demo.execora.local",
                Some("demo-phone-number-id"),
            )
            .await?;
            println!("{tenant} {user}");
            Ok(())
        }
        Command::Serve => serve(App::build(settings).await?, false).await,
        Command::Work => work(App::build(settings).await?).await,
        Command::Run => serve(App::build(settings).await?, true).await,
        Command::Openapi | Command::Jobs { .. } | Command::Queues { .. } => Ok(()),
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}

async fn serve(app: App, with_workers: bool) -> anyhow::Result<()> {
    let workers = with_workers.then(|| tokio::spawn(work(app.clone())));
    let acceptor = api::bind(&app.settings).await?;
    let hub = app.start_hub();
    api::serve(acceptor, app, hub, shutdown_signal()).await?;
    if let Some(w) = workers {
        // The workers saw the same signal; give them their shutdown timeout.
        let _ = tokio::time::timeout(Duration::from_secs(60), w).await;
    }
    Ok(())
}

async fn work(app: App) -> anyhow::Result<()> {
    let upkeep = tokio::spawn(workflows::upkeep::run(
        app.runtime.clone(),
        app.redis.clone(),
        (*app.settings).clone(),
    ));
    let result = workflows::worker::run(
        app.runtime.clone(),
        app.redis.clone(),
        &app.settings,
        shutdown_signal(),
    )
    .await;
    upkeep.abort();
    result
}
