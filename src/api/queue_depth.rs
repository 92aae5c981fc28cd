//! Queue depth gauges, read from Redis when metrics are scraped.

use crate::{app::App, workflows::queue::redis_config};

/// Updates `execora_queue_depth_jobs` for every queue (waiting and scheduled).
pub async fn refresh(app: &App) {
    let mut conn = app.redis.clone();
    for spec in app.runtime.specs.iter() {
        let cfg = redis_config(
            &app.settings.redis_namespace,
            &spec.queue,
            &app.settings.jobs,
        );
        let depth: redis::RedisResult<(i64, i64)> = redis::pipe()
            .cmd("LLEN")
            .arg(cfg.active_jobs_list())
            .cmd("ZCARD")
            .arg(cfg.scheduled_jobs_set())
            .query_async(&mut conn)
            .await;
        if let Ok((waiting, scheduled)) = depth {
            let g = &app.metrics.queue_depth;
            g.with_label_values(&[&spec.queue, "waiting"]).set(waiting);
            g.with_label_values(&[&spec.queue, "scheduled"])
                .set(scheduled);
        }
    }
}
