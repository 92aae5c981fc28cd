//! Delayed deliveries: a job pushed with a delay runs at its due time, woken by the
//! push itself rather than a poll, and a large due backlog drains in bounded batches.

use std::time::Duration;

use super::{Job, Producer, fixture, int, pushes, start};

#[tokio::test]
async fn a_delayed_job_runs_at_its_due_time_not_on_a_poll() {
    let f = fixture().await;
    let mut cfg = f.cfg.clone();
    cfg.max_block = Duration::from_secs(60);
    // Housekeeping (which also looks at the delayed set) far off too.
    cfg.lease = Duration::from_secs(300);
    let producer = Producer::new(f.conn.clone(), cfg.clone());
    let mut w = start(&f, cfg, 4);
    producer
        .push("warm", &Job::quick(0), Duration::ZERO)
        .await
        .unwrap();
    w.next(1).await;
    let pushed = std::time::Instant::now();
    producer
        .push("later", &Job::quick(1), Duration::from_millis(400))
        .await
        .unwrap();
    w.next(1).await;
    let waited = pushed.elapsed();
    assert!(
        waited >= Duration::from_millis(400),
        "ran early: {waited:?}"
    );
    assert!(waited < Duration::from_secs(20), "ran late: {waited:?}");
    w.stop().await;
}

#[tokio::test]
async fn a_backlog_of_20000_due_jobs_drains_in_bounded_batches() {
    let mut f = fixture().await;
    let producer = Producer::new(f.conn.clone(), f.cfg.clone());
    for chunk in pushes(0..20_000, Duration::from_millis(1)).chunks(2000) {
        producer.push_many(chunk).await.unwrap();
    }
    assert_eq!(
        int(&mut f.conn, "ZCARD", &f.cfg.delayed_key()).await,
        20_000
    );
    let mut w = start(&f, f.cfg.clone(), 50);
    let mut seen: Vec<u64> = w.next(20_000).await.into_iter().map(|(n, _)| n).collect();
    w.stop().await;
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 20_000);
    assert_eq!(int(&mut f.conn, "ZCARD", &f.cfg.delayed_key()).await, 0);
}
