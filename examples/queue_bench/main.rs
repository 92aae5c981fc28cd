//! Queue benchmark: the `noop` workflow through Execora's full job runtime, and the bare
//! Redis Streams ceiling underneath any backend, for `make bench` (which runs BullMQ 6.7
//! beside it on the same private Redis, in the same run).
//!
//! ```sh
//! cargo run --release --example queue_bench -- drain 20000 batch   # enqueue_many ×1000, then drain
//! cargo run --release --example queue_bench -- drain 20000 single  # enqueue, 64 in flight, then drain
//! cargo run --release --example queue_bench -- latency 2000 500    # open loop at 500 jobs/s
//! cargo run --release --example queue_bench -- streams-drain 20000 50
//! cargo run --release --example queue_bench -- invoices 500 20     # N invoices, clients
//! ```
//! Needs `DATABASE_URL` (migrated) and `REDIS_URL`; `scripts/bench` sets everything up.
//! Prints one JSON line per run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly"
)]

mod drain;
mod invoices;
mod latency;
mod streams;
mod support;

const USAGE: &str = "usage: queue_bench drain N single|batch | latency N RATE | \
                     streams-drain N C | invoices N CLIENTS";

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let n = num(1, 20_000) as usize;
    let out = match args.first().map(String::as_str) {
        Some("drain") => match args.get(2).map(String::as_str) {
            Some("single") => drain::run(n, drain::Enqueue::Single).await,
            None | Some("batch") => drain::run(n, drain::Enqueue::Batch).await,
            Some(other) => exit_usage(&format!("unknown enqueue mode {other:?}")),
        },
        Some("latency") => latency::run(num(1, 2000) as usize, num(2, 500)).await,
        Some("streams-drain") => streams::drain(n, num(2, 50) as usize).await,
        Some("invoices") => invoices::run(num(1, 500) as usize, num(2, 1) as usize).await,
        _ => exit_usage("no mode"),
    };
    println!("{out}");
}

fn exit_usage(why: &str) -> ! {
    eprintln!("queue_bench: {why}\n{USAGE}");
    std::process::exit(2);
}
