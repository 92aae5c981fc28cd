//! Single pushes made concurrently share script calls, and each still lands exactly once.

use std::time::Duration;

use futures::future::join_all;

use super::{Job, Producer, Push, fixture, int, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_single_pushes_share_calls_and_each_lands_once() {
    let mut f = fixture().await;
    let producer = Producer::new(f.conn.clone(), f.cfg.clone());
    assert_eq!(producer.batched_flushes(), 0);
    // 300 callers at once, each pushing one job; 50 of them push a key already pushed.
    let calls = (0..300u64).map(|n| {
        let producer = producer.clone();
        let key = format!("job-{}", n % 250);
        async move {
            let push = Push::new(&key, &Job::quick(n % 250), Duration::ZERO).unwrap();
            producer.push_batched(push).await
        }
    });
    for pushed in join_all(calls).await {
        pushed.unwrap();
    }
    let flushes = producer.batched_flushes();
    assert!(
        flushes >= 1 && flushes < 300,
        "{flushes} script calls for 300 pushes"
    );
    assert_eq!(int(&mut f.conn, "XLEN", &f.cfg.stream_key()).await, 250);
    let mut w = start(&f, f.cfg.clone(), 20);
    let mut seen: Vec<u64> = w.next(250).await.into_iter().map(|(n, _)| n).collect();
    w.stop().await;
    seen.sort_unstable();
    assert_eq!(seen, (0..250).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_batched_push_fails_when_redis_refuses_it() {
    let mut f = fixture().await;
    let producer = Producer::new(f.conn.clone(), f.cfg.clone());
    // The stream key holds a string: the append fails, and the caller is told.
    let () = redis::cmd("SET")
        .arg(f.cfg.stream_key())
        .arg("not a stream")
        .query_async(&mut f.conn)
        .await
        .unwrap();
    let push = Push::new("k", &Job::quick(1), Duration::ZERO).unwrap();
    let err = producer.push_batched(push).await.unwrap_err().to_string();
    assert!(err.contains("WRONGTYPE"), "{err}");
}
