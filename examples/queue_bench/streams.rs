//! The ceiling under any queue on this Redis: a Redis Streams consumer group with no
//! framework around it, so the distance from Execora (and BullMQ) to the limit of the
//! medium stays visible in every round.

use std::{sync::Arc, time::Instant};

use redis::aio::MultiplexedConnection;
use serde_json::{Value, json};

use crate::support;

const GROUP: &str = "workers";
/// Entries per `XREADGROUP`, each batch acknowledged with one `XACK`.
const READ_COUNT: usize = 500;

/// `XADD` pipelined 1 000 at a time, then a blocking `XREADGROUP` in batches and one
/// `XACK` per batch, with concurrency-bound no-op handlers. Not a backend: a measurement
/// of what one would start from (no record, no retries, no events).
pub async fn drain(n: usize, concurrency: usize) -> Value {
    let s = support::settings();
    let client = redis::Client::open(s.redis_url_string()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let stream = format!("{}:streams-bench", s.redis_namespace);
    let t0 = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let mut pipe = redis::pipe();
        for i in chunk {
            pipe.cmd("XADD").arg(&stream).arg("*").arg("job").arg(i);
            pipe.ignore();
        }
        pipe.query_async::<()>(&mut conn).await.unwrap();
    }
    let enqueue_s = t0.elapsed().as_secs_f64();
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&stream)
        .arg(GROUP)
        .arg("0")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    let t1 = Instant::now();
    consume(&mut conn, &stream, n, concurrency).await;
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

/// Reads, handles and acknowledges until `n` entries are done.
async fn consume(conn: &mut MultiplexedConnection, stream: &str, n: usize, concurrency: usize) {
    let sem = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut done = 0usize;
    while done < n {
        let reply: redis::streams::StreamReadReply = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(GROUP)
            .arg("c1")
            .arg("COUNT")
            .arg(READ_COUNT)
            .arg("BLOCK")
            .arg(100)
            .arg("STREAMS")
            .arg(stream)
            .arg(">")
            .query_async(conn)
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
                .arg(stream)
                .arg(GROUP)
                .arg(&ids)
                .query_async::<()>(conn)
                .await
                .unwrap();
        }
        done += ids.len();
    }
}
