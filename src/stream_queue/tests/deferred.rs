//! Acknowledgements a handler deferred ([`AckAfter`]): the slot is free at once, the
//! entry is held until the deferred future settles, and `false` means delivered again.

use std::time::Duration;

use super::{Job, Producer, Push, fixture, int, start};

fn deferred(n: u64, fail: bool) -> Push {
    let job = Job {
        defer: true,
        fail,
        ..Job::quick(n)
    };
    Push::new(&format!("d{n}"), &job, Duration::ZERO).unwrap()
}

#[tokio::test]
async fn a_deferred_acknowledgement_frees_the_slot_and_waits_for_its_future() {
    let mut f = fixture().await;
    let producer = Producer::new(f.conn.clone(), f.cfg.clone());
    let jobs: Vec<Push> = (0..3).map(|n| deferred(n, false)).collect();
    producer.push_many(&jobs).await.unwrap();
    // One slot: all three run only because each frees it before its future settles.
    let mut w = start(&f, f.cfg.clone(), 1);
    let mut seen: Vec<u64> = w.next(3).await.into_iter().map(|(n, _)| n).collect();
    seen.sort_unstable();
    assert_eq!(seen, vec![0, 1, 2]);
    // Nothing is acknowledged while the futures wait: all three are still pending, and
    // held past the lease (600 ms) without being taken again.
    let stream = f.cfg.stream_key();
    tokio::time::sleep(f.cfg.lease * 2).await;
    assert_eq!(pending(&mut f.conn, &stream).await, 3);
    assert!(w.seen.try_recv().is_err(), "an entry was taken again");
    w.gate.send(true).unwrap();
    w.stop().await;
    assert_eq!(pending(&mut f.conn, &stream).await, 0);
    assert_eq!(int(&mut f.conn, "XLEN", &stream).await, 0);
}

#[tokio::test]
async fn a_deferred_future_that_settles_false_leaves_the_entry_to_come_again() {
    let f = fixture().await;
    let producer = Producer::new(f.conn.clone(), f.cfg.clone());
    producer.push_many(&[deferred(9, true)]).await.unwrap();
    let mut w = start(&f, f.cfg.clone(), 1);
    w.gate.send(true).unwrap();
    let runs = w.next(2).await;
    w.stop().await;
    assert_eq!(runs, vec![(9, 1), (9, 2)]);
}

/// Entries read by a consumer of the group and not yet acknowledged.
async fn pending(conn: &mut redis::aio::ConnectionManager, stream: &str) -> i64 {
    let summary: (i64, redis::Value, redis::Value, redis::Value) = redis::cmd("XPENDING")
        .arg(stream)
        .arg(super::super::config::GROUP)
        .query_async(conn)
        .await
        .unwrap();
    summary.0
}
