-- Reminders: Postgres is the source of truth; a sweep claims due ones.

create table reminders (
    id uuid primary key,
    business_id uuid not null references businesses (id) on delete cascade,
    customer_id uuid not null references customers (id),
    -- domain::schedule::Schedule as JSON, and the words it was parsed from.
    schedule jsonb not null,
    schedule_text text not null,
    message text,
    -- When the next occurrence is due; null once a one-off reminder has been sent.
    next_run_at timestamptz,
    status text not null default 'active' constraint reminders_status_known check (status in ('active', 'done', 'cancelled')),
    sent_count integer not null default 0,
    last_sent_at timestamptz,
    created_by uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index reminders_due_idx on reminders (next_run_at) where status = 'active';
create index reminders_business_idx on reminders (business_id, created_at desc);

-- One row per occurrence: (reminder, occurrence) is unique, so no occurrence is sent
-- twice however many workers sweep at once.
create table reminder_deliveries (
    id uuid primary key,
    business_id uuid not null references businesses (id) on delete cascade,
    reminder_id uuid not null references reminders (id) on delete cascade,
    occurrence_at timestamptz not null,
    job_id uuid not null,
    status text not null default 'pending' constraint reminder_deliveries_status_known check (status in ('pending', 'sent', 'failed')),
    channel text,
    provider_message_id text,
    sent_at timestamptz,
    constraint reminder_deliveries_occurrence_key unique (reminder_id, occurrence_at)
);
