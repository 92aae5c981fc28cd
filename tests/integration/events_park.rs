//! Events a process could not write before it exited, because Redis was down, are parked
//! in PostgreSQL and written later in order by a worker's upkeep: the job's followers
//! still get its terminal event (issue 12: before, they were dropped after 5 s, a silent
//! hole that left followers of a finished job waiting for ever).

use std::time::Duration;

use execora::{app::App, domain::parked_events, workflows::events_park};
use serde_json::json;
use uuid::Uuid;

use crate::{common::TestEnv, private_services::PrivateRedis};

#[tokio::test]
async fn events_left_at_exit_while_redis_is_down_are_parked_then_written_in_order() {
    let mut redis = PrivateRedis::start(true).await;
    let env = TestEnv::on(None, Some(redis.url())).await;
    let exiting = App::build(env.settings()).await.unwrap();
    let (job, tenant) = (Uuid::now_v7(), Uuid::new_v4());
    let bus = exiting.queue.events();
    assert_eq!(bus.publish(job, tenant, "accepted", json!({})).await, Ok(1));

    redis.kill();
    bus.emit(job, tenant, "step.succeeded", json!({"step": "run"}))
        .await
        .unwrap();
    bus.emit(job, tenant, "succeeded", json!({})).await.unwrap();
    let waited = tokio::time::timeout(Duration::from_millis(300), bus.flushed()).await;
    assert!(waited.is_err(), "Redis is down: nothing can be written");
    // What the exiting process does with them (cli's `flush_events`).
    assert_eq!(
        events_park::park_unwritten(bus, &exiting.pool)
            .await
            .unwrap(),
        2
    );
    // Queued after parking began: parked too, by the next call, never written ahead.
    bus.emit(job, tenant, "late", json!({})).await.unwrap();
    assert!(bus.parking());
    assert_eq!(
        events_park::park_unwritten(bus, &exiting.pool)
            .await
            .unwrap(),
        1
    );
    drop(exiting);

    redis.restart().await;
    let next = App::build(env.settings()).await.unwrap();
    let bus = next.queue.events();
    assert_eq!(events_park::write_parked(bus, &next.pool).await.unwrap(), 3);
    let kinds: Vec<(u64, String)> = bus
        .replay(job, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.id, e.kind))
        .collect();
    let want = [
        (1, "accepted"),
        (2, "step.succeeded"),
        (3, "succeeded"),
        (4, "late"),
    ];
    assert_eq!(kinds, want.map(|(id, kind)| (id, kind.to_string())));
    // Written once: nothing is left to write again.
    let mut tx = next.pool.begin().await.unwrap();
    assert!(parked_events::take(&mut tx, 10).await.unwrap().is_empty());
    assert_eq!(events_park::write_parked(bus, &next.pool).await.unwrap(), 0);
}
