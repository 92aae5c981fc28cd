//! The plans the job-record writer's statements get from PostgreSQL: on a young or
//! freshly analyzed `jobs` table they must still find each job by its key, never walk an
//! index whose entries grow with the backlog (each would make a drain quadratic).

use execora::domain::jobs_batch;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

use crate::common::TestEnv;

/// On a fresh, never analyzed `jobs` table with a deep queue, the planner hash-joined a
/// claim batch against every queued row (found through the state index), so each flush
/// cost the whole backlog. The writer's own connections must look rows up by key.
#[tokio::test]
async fn writer_connections_claim_by_primary_key_on_an_unanalyzed_table() {
    let env = TestEnv::new().await;
    let (tenant, _) = execora::domain::businesses::ensure_demo(
        &PgPoolOptions::new().connect(&env.db_url).await.unwrap(),
        "Plan",
        "plan@example.com",
        None,
    )
    .await
    .unwrap();
    let settings = env.settings();
    let flush_pool = execora::db::connect_writer(&settings, 1).await.unwrap();
    sqlx::query(
        "insert into jobs (id, business_id, workflow, state, input, delivery)
         select gen_random_uuid(), $1, 'noop', 'queued', 'null', 1 from generate_series(1, 20000)",
    )
    .bind(tenant)
    .execute(&flush_pool)
    .await
    .unwrap();
    let ids: Vec<Uuid> = sqlx::query_scalar("select id from jobs limit 50")
        .fetch_all(&flush_pool)
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "explain update jobs set state = 'running', attempts = attempts + 1
         from unnest($1::uuid[], $2::int[]) as t(job_id, claim_delivery)
         where jobs.id = t.job_id and jobs.delivery = t.claim_delivery
           and coalesce(jobs.state, '') in ('queued', 'retrying', 'running')
         returning jobs.id",
    )
    .bind(&ids)
    .bind(vec![1i32; ids.len()])
    .fetch_all(&flush_pool)
    .await
    .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("jobs_pkey"), "{plan}");
    assert!(
        !plan.contains("Hash Join") && !plan.contains("Bitmap"),
        "{plan}"
    );
}

/// The step and finish statements on a table analyzed while every job was queued: the
/// planner then expects no `running` row and walked the state index for them, where each
/// claim had left a dead `running` entry (a drain after `truncate jobs` ran at 1.4 k
/// jobs/s, PostgreSQL at 8 s of CPU for 20,000 jobs). They must look rows up by key.
#[tokio::test]
async fn step_and_finish_statements_look_jobs_up_by_key_on_a_table_analyzed_queued() {
    let env = TestEnv::new().await;
    let pool = PgPoolOptions::new().connect(&env.db_url).await.unwrap();
    let (tenant, _) =
        execora::domain::businesses::ensure_demo(&pool, "Plan", "plan2@example.com", None)
            .await
            .unwrap();
    let flush_pool = execora::db::connect_writer(&env.settings(), 1)
        .await
        .unwrap();
    sqlx::query(
        "insert into jobs (id, business_id, workflow, state, input, delivery)
         select gen_random_uuid(), $1, 'noop', 'queued', 'null', 1 from generate_series(1, 20000)",
    )
    .bind(tenant)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("analyze jobs").execute(&pool).await.unwrap();
    let ids: Vec<Uuid> = sqlx::query_scalar("select id from jobs limit 30")
        .fetch_all(&pool)
        .await
        .unwrap();
    let steps = vec!["noop"; ids.len()];
    let outputs = vec![serde_json::Value::Null; ids.len()];
    for statement in [jobs_batch::STEP_DONE_MANY, jobs_batch::SUCCEED_MANY] {
        let plan: Vec<String> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("explain {statement}")))
                .bind(&ids)
                .bind(&steps)
                .bind(&outputs)
                .fetch_all(&flush_pool)
                .await
                .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("jobs_pkey"), "{plan}");
        assert!(!plan.contains("jobs_state_updated_idx"), "{plan}");
    }
}
