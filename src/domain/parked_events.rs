//! Job events parked in PostgreSQL while Redis was unreachable at a process's exit.
//!
//! Rows are taken in the order they were parked, under `for update skip locked`, so two
//! worker processes writing them back never take the same row; a taker that fails to
//! write them rolls back and leaves them for the next attempt.

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// One parked event: `(job, body without the id, whether it is the job's first)`.
pub type Parked = (Uuid, String, bool);

/// Parks events in one statement, keeping their order.
pub async fn park(pool: &PgPool, events: &[Parked]) -> sqlx::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut jobs = Vec::with_capacity(events.len());
    let mut bodies = Vec::with_capacity(events.len());
    let mut firsts = Vec::with_capacity(events.len());
    for (job, body, first) in events {
        jobs.push(*job);
        bodies.push(body.as_str());
        firsts.push(*first);
    }
    sqlx::query(
        "insert into parked_events (job_id, body, first_event)
         select job_id, body, first_event
         from unnest($1::uuid[], $2::text[], $3::bool[]) with ordinality
             as t(job_id, body, first_event, n)
         order by n",
    )
    .bind(jobs)
    .bind(bodies)
    .bind(firsts)
    .execute(pool)
    .await?;
    Ok(())
}

/// Takes up to `limit` parked events, oldest first, deleting them in `tx`: they are gone
/// once the caller commits, and back if it rolls back.
pub async fn take(tx: &mut Transaction<'_, Postgres>, limit: i64) -> sqlx::Result<Vec<Parked>> {
    let mut rows: Vec<(i64, Uuid, String, bool)> = sqlx::query_as(
        "delete from parked_events where seq in (
             select seq from parked_events order by seq limit $1 for update skip locked)
         returning seq, job_id, body, first_event",
    )
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    // `returning` promises no order; the events must be written in the order parked.
    rows.sort_unstable_by_key(|row| row.0);
    Ok(rows
        .into_iter()
        .map(|(_, job, body, first)| (job, body, first))
        .collect())
}
