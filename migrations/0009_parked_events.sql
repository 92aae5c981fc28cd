-- Job events a process could not write to Redis before it exited (Redis unreachable at
-- shutdown): kept here, in the order they were queued, and written to Redis by the next
-- worker process that can (workflows::events_park). `body` is the event without its id.
create table parked_events (
    seq bigserial primary key,
    job_id uuid not null,
    body text not null,
    first_event boolean not null,
    parked_at timestamptz not null default now()
);
