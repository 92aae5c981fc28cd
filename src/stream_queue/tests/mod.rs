//! The queue against a real Redis (`EXECORA_TEST_REDIS_URL`, set by `make test`), each
//! test in a namespace of its own.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::{collections::HashMap, time::Duration};

use apalis::prelude::*;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use super::{AckAfter, Producer, Push, QueueConfig, StreamBackend};

mod batched;
mod deferred;
mod delayed;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Job {
    n: u64,
    sleep_ms: u64,
    fail: bool,
    /// Acknowledge through [`AckAfter`] once the test opens the gate (see `deferred`).
    #[serde(default)]
    defer: bool,
}

impl Job {
    fn quick(n: u64) -> Self {
        Self {
            n,
            sleep_ms: 0,
            fail: false,
            defer: false,
        }
    }
}

/// What a handler saw: the job's number and the attempt apalis reported.
type Seen = mpsc::UnboundedSender<(u64, usize)>;

async fn handler(
    job: Job,
    seen: Data<Seen>,
    gate: Data<Gate>,
    ack: Data<AckAfter>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    if job.sleep_ms > 0 {
        tokio::time::sleep(Duration::from_millis(job.sleep_ms)).await;
    }
    let _ = seen.send((job.n, attempt.current()));
    if job.defer {
        // Settles as asked once the gate opens: `fail` then means "do not acknowledge".
        let mut gate = gate.0.clone();
        ack.defer(async move { gate.wait_for(|open| *open).await.is_ok() && !job.fail });
        return Ok(());
    }
    if job.fail {
        return Err("asked to fail".into());
    }
    Ok(())
}

/// Opened by a test to let deferred acknowledgements settle.
type Gate = tokio::sync::watch::Receiver<bool>;

struct Fixture {
    client: redis::Client,
    conn: ConnectionManager,
    cfg: QueueConfig,
}

async fn fixture() -> Fixture {
    let url = std::env::var("EXECORA_TEST_REDIS_URL")
        .expect("run the tests with `make test` (EXECORA_TEST_REDIS_URL unset)");
    let client = redis::Client::open(url).unwrap();
    let conn = ConnectionManager::new(client.clone()).await.unwrap();
    // The whole id: its first ten characters are only the millisecond, which two tests
    // starting together share (they then read each other's queue).
    let ns = format!("sq{}", ulid::Ulid::generate());
    let mut cfg = QueueConfig::new(&ns, "q");
    cfg.lease = Duration::from_millis(600);
    cfg.read_count = 16;
    Fixture { client, conn, cfg }
}

/// A running worker: its receiver of handled jobs, its gate and its stop switch.
struct Running {
    seen: mpsc::UnboundedReceiver<(u64, usize)>,
    gate: tokio::sync::watch::Sender<bool>,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

impl Running {
    /// The next `n` handled jobs, failing the test if they take over 30 s.
    async fn next(&mut self, n: usize) -> Vec<(u64, usize)> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let got = tokio::time::timeout(Duration::from_secs(30), self.seen.recv()).await;
            out.push(
                got.expect("jobs were not handled in time")
                    .expect("worker gone"),
            );
        }
        out
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.done.await.unwrap();
    }
}

fn start(f: &Fixture, cfg: QueueConfig, concurrency: usize) -> Running {
    let (tx, seen) = mpsc::unbounded_channel();
    let (gate, gate_rx) = tokio::sync::watch::channel(false);
    let (stop, stopped) = oneshot::channel::<()>();
    let (client, conn) = (f.client.clone(), f.conn.clone());
    let done = tokio::spawn(async move {
        Monitor::new()
            .register(move |_| {
                WorkerBuilder::new("test")
                    .backend(StreamBackend::<Job>::new(
                        client.clone(),
                        conn.clone(),
                        cfg.clone(),
                    ))
                    .concurrency(concurrency)
                    .catch_panic()
                    .data(tx.clone())
                    .data(gate_rx.clone())
                    .parallelize(tokio::spawn)
                    .build(handler)
            })
            .shutdown_timeout(Duration::from_secs(10))
            .run_with_signal(async move {
                let _ = stopped.await;
                Ok(())
            })
            .await
            .unwrap();
    });
    Running {
        seen,
        gate,
        stop,
        done,
    }
}

fn pushes(range: std::ops::Range<u64>, delay: Duration) -> Vec<Push> {
    range
        .map(|n| Push::new(&format!("job-{n}"), &Job::quick(n), delay).unwrap())
        .collect()
}

async fn int(conn: &mut ConnectionManager, cmd: &str, key: &str) -> i64 {
    redis::cmd(cmd).arg(key).query_async(conn).await.unwrap()
}

#[tokio::test]
async fn a_second_push_of_the_same_key_is_a_no_op() {
    let mut f = fixture().await;
    let producer = Producer::new(f.conn.clone(), f.cfg.clone());
    assert!(
        producer
            .push("k1", &Job::quick(1), Duration::ZERO)
            .await
            .unwrap()
    );
    assert!(
        !producer
            .push("k1", &Job::quick(1), Duration::ZERO)
            .await
            .unwrap()
    );
    let batch = [pushes(0..3, Duration::ZERO), pushes(0..3, Duration::ZERO)].concat();
    assert_eq!(
        producer.push_many(&batch).await.unwrap(),
        3,
        "duplicates inside one batch too"
    );
    assert_eq!(int(&mut f.conn, "XLEN", &f.cfg.stream_key()).await, 4);
}

#[tokio::test]
async fn jobs_run_once_each_and_leave_nothing_behind() {
    let mut f = fixture().await;
    let producer = Producer::new(f.conn.clone(), f.cfg.clone());
    producer
        .push_many(&pushes(0..500, Duration::ZERO))
        .await
        .unwrap();
    let mut w = start(&f, f.cfg.clone(), 20);
    let mut seen: Vec<u64> = w.next(500).await.into_iter().map(|(n, _)| n).collect();
    w.stop().await;
    seen.sort_unstable();
    assert_eq!(seen, (0..500).collect::<Vec<_>>());
    // Acknowledged entries are deleted: the stream is empty, nothing is pending.
    assert_eq!(int(&mut f.conn, "XLEN", &f.cfg.stream_key()).await, 0);
    let depth = producer.depth().await.unwrap();
    assert_eq!((depth.waiting, depth.in_flight, depth.delayed), (0, 0, 0));
}

#[tokio::test]
async fn an_idle_worker_wakes_for_a_new_job_without_waiting_out_its_block() {
    let mut f = fixture().await;
    // A read blocks for a minute: only the push itself can wake the worker in time.
    f.cfg.max_block = Duration::from_secs(60);
    let producer = Producer::new(f.conn.clone(), f.cfg.clone());
    let mut w = start(&f, f.cfg.clone(), 4);
    producer
        .push("first", &Job::quick(1), Duration::ZERO)
        .await
        .unwrap();
    w.next(1).await;
    let pushed = std::time::Instant::now();
    producer
        .push("second", &Job::quick(2), Duration::ZERO)
        .await
        .unwrap();
    w.next(1).await;
    assert!(
        pushed.elapsed() < Duration::from_secs(20),
        "{:?}",
        pushed.elapsed()
    );
    w.stop().await;
}

#[tokio::test]
async fn entries_of_a_worker_that_died_are_reclaimed_with_their_delivery_count() {
    let mut f = fixture().await;
    let producer = Producer::new(f.conn.clone(), f.cfg.clone());
    producer
        .push_many(&pushes(0..5, Duration::ZERO))
        .await
        .unwrap();
    // A consumer reads the five and dies without acknowledging them.
    super::reader::ensure_group(&mut f.conn, &f.cfg.stream_key())
        .await
        .unwrap();
    let _: redis::Value = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("workers")
        .arg("dead")
        .arg("COUNT")
        .arg(5)
        .arg("STREAMS")
        .arg(f.cfg.stream_key())
        .arg(">")
        .query_async(&mut f.conn)
        .await
        .unwrap();
    let mut w = start(&f, f.cfg.clone(), 4);
    let seen = w.next(5).await;
    w.stop().await;
    assert!(seen.iter().all(|(_, attempt)| *attempt == 2), "{seen:?}");
    let depth = producer.depth().await.unwrap();
    assert_eq!((depth.waiting, depth.in_flight), (0, 0));
}

#[tokio::test]
async fn a_job_longer_than_the_lease_is_not_taken_while_its_worker_lives() {
    let f = fixture().await;
    let producer = Producer::new(f.conn.clone(), f.cfg.clone());
    let slow = Job {
        n: 7,
        sleep_ms: 2500,
        ..Job::quick(7)
    };
    producer.push("slow", &slow, Duration::ZERO).await.unwrap();
    let mut a = start(&f, f.cfg.clone(), 1);
    let mut b = start(&f, f.cfg.clone(), 1);
    // Whichever worker took it finishes once; a marker job then proves both are live
    // and that nothing else (a reclaimed second copy) was handled before it.
    let first = tokio::select! { s = a.next(1) => s, s = b.next(1) => s };
    assert_eq!(first[0], (7, 1));
    producer
        .push_many(&pushes(100..102, Duration::ZERO))
        .await
        .unwrap();
    let mut rest = Vec::new();
    while rest.len() < 2 {
        tokio::select! { s = a.next(1) => rest.extend(s), s = b.next(1) => rest.extend(s) }
    }
    assert!(rest.iter().all(|(n, _)| *n >= 100), "ran twice: {rest:?}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_failed_job_is_delivered_again_after_its_lease() {
    let f = fixture().await;
    let producer = Producer::new(f.conn.clone(), f.cfg.clone());
    let failing = Job {
        n: 3,
        fail: true,
        ..Job::quick(3)
    };
    producer
        .push("failing", &failing, Duration::ZERO)
        .await
        .unwrap();
    let mut w = start(&f, f.cfg.clone(), 2);
    let runs = w.next(2).await;
    w.stop().await;
    assert_eq!(runs, vec![(3, 1), (3, 2)]);
}

#[tokio::test]
async fn closing_hands_unstarted_entries_back_to_the_queue() {
    let mut f = fixture().await;
    let producer = Producer::new(f.conn.clone(), f.cfg.clone());
    let jobs: Vec<Push> = (0..6)
        .map(|n| {
            Push::new(
                &format!("j{n}"),
                &Job {
                    sleep_ms: 300,
                    ..Job::quick(n)
                },
                Duration::ZERO,
            )
            .unwrap()
        })
        .collect();
    producer.push_many(&jobs).await.unwrap();
    // One at a time, holding the rest in its buffer.
    let mut w = start(&f, f.cfg.clone(), 1);
    w.next(1).await;
    w.stop().await;
    let depth = producer.depth().await.unwrap();
    assert_eq!(
        depth.in_flight, 0,
        "nothing left pending for a lease to expire"
    );
    let left = depth.waiting;
    assert!((4..=5).contains(&left), "{depth:?}");
    let mut again = start(&f, f.cfg.clone(), 4);
    let seen = again.next(left as usize).await;
    again.stop().await;
    assert!(seen.iter().all(|(_, attempt)| *attempt == 1), "{seen:?}");
    assert_eq!(int(&mut f.conn, "XLEN", &f.cfg.stream_key()).await, 0);
}

#[tokio::test]
async fn an_undecodable_entry_is_set_aside_and_the_queue_moves_on() {
    let mut f = fixture().await;
    super::reader::ensure_group(&mut f.conn, &f.cfg.stream_key())
        .await
        .unwrap();
    let _: String = redis::cmd("XADD")
        .arg(f.cfg.stream_key())
        .arg("*")
        .arg("p")
        .arg("not json")
        .query_async(&mut f.conn)
        .await
        .unwrap();
    let producer = Producer::new(f.conn.clone(), f.cfg.clone());
    producer
        .push("ok", &Job::quick(9), Duration::ZERO)
        .await
        .unwrap();
    let mut w = start(&f, f.cfg.clone(), 2);
    assert_eq!(w.next(1).await[0].0, 9);
    w.stop().await;
    assert_eq!(int(&mut f.conn, "XLEN", &f.cfg.dead_key()).await, 1);
    let counts: HashMap<String, i64> = HashMap::from([(
        "stream".to_string(),
        int(&mut f.conn, "XLEN", &f.cfg.stream_key()).await,
    )]);
    assert_eq!(counts["stream"], 0);
}
