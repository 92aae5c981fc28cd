//! The ceiling under any queue on this Redis: a Redis Streams consumer group with no
//! framework around it, so the distance from Execora (and BullMQ) to the limit of the
//! medium stays visible in every round.

use std::{sync::Arc, time::Instant};

use serde_json::{Value, json};

use crate::support;

/// The alternative's ceiling: a Redis Streams consumer group with no framework around
/// it (`XADD`, blocking `XREADGROUP` in batches, one `XACK` per batch), concurrency-bound
/// no-op handlers. Not a backend: a measurement of what one would start from.
pub async fn drain(n: usize, concurrency: usize) -> Value {
    let s = support::settings();
    let client = redis::Client::open(s.redis_url_string()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let stream = format!("{}:streams-bench", s.redis_namespace);
    let t0 = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let mut pipe = redis::pipe();
        for i in chunk {
            pipe.cmd("XADD")
                .arg(&stream)
                .arg("*")
                .arg("job")
                .arg(i)
                .ignore();
        }
        pipe.query_async::<()>(&mut conn).await.unwrap();
    }
    let enqueue_s = t0.elapsed().as_secs_f64();
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&stream)
        .arg("workers")
        .arg("0")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    let sem = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let t1 = Instant::now();
    let mut done = 0usize;
    while done < n {
        let reply: redis::streams::StreamReadReply = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg("workers")
            .arg("c1")
            .arg("COUNT")
            .arg(500)
            .arg("BLOCK")
            .arg(100)
            .arg("STREAMS")
            .arg(&stream)
            .arg(">")
            .query_async(&mut conn)
            .await
            .unwrap();
        let ids: Vec<String> = reply
            .keys
            .into_iter()
            .flat_map(|k| k.ids)
            .map(|e| e.id)
            .collect();
        let mut handles = Vec::with_capacity(ids.len());
        for _ in &ids {
            let permit = sem.clone().acquire_owned().await.unwrap();
            handles.push(tokio::spawn(async move { drop(permit) }));
        }
        for h in handles {
            h.await.unwrap();
        }
        if !ids.is_empty() {
            redis::cmd("XACK")
                .arg(&stream)
                .arg("workers")
                .arg(&ids)
                .query_async::<()>(&mut conn)
                .await
                .unwrap();
        }
        done += ids.len();
    }
    let drain_s = t1.elapsed().as_secs_f64();
    let _: () = redis::cmd("DEL")
        .arg(&stream)
        .query_async(&mut conn)
        .await
        .unwrap();
    json!({"lib": "redis streams (bare consumer group)", "mode": "drain", "N": n, "concurrency": concurrency,
           "enqueue_s": enqueue_s, "enqueue_jobs_per_s": (n as f64 / enqueue_s).round(),
           "drain_s": drain_s, "drain_jobs_per_s": (n as f64 / drain_s).round()})
}
