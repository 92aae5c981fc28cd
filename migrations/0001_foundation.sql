-- Foundation schema: tenants, users, the job record, and WhatsApp webhook state.
--
-- Every table holding business data carries business_id (the tenant); every query the
-- application makes is scoped by the tenant in the caller's token.

create extension if not exists pg_trgm;

create table businesses (
    id uuid primary key,
    name text not null constraint businesses_name_not_blank check (length(trim(name)) > 0),
    -- The WhatsApp Cloud API phone-number id; webhooks find their tenant by it.
    whatsapp_phone_number_id text constraint businesses_whatsapp_phone_number_id_key unique,
    time_zone text not null default 'Asia/Kolkata',
    created_at timestamptz not null default now()
);

create table users (
    id uuid primary key,
    business_id uuid not null references businesses (id) on delete cascade,
    email text not null,
    display_name text not null default '',
    role text not null constraint users_role_known check (role in ('owner', 'manager', 'staff')),
    created_at timestamptz not null default now(),
    constraint users_email_key unique (email)
);
create index users_business_idx on users (business_id);

-- The job record the API trusts. apalis-redis keeps its own task state, but reports
-- intermediate failures as final and never expires anything, so the worker writes this
-- row at every transition and the API reads only this.
create table jobs (
    id uuid primary key,
    business_id uuid not null references businesses (id) on delete cascade,
    user_id uuid,
    workflow text not null,
    state text not null constraint jobs_state_known check (
        state in ('queued', 'running', 'retrying', 'succeeded', 'failed', 'dead', 'cancelled')
    ),
    input jsonb not null,
    -- Outputs of finished steps, by step name: a retried job resumes after the last one.
    outputs jsonb not null default '{}',
    result jsonb,
    -- Index into the workflow's steps of the step to run next.
    step_index integer not null default 0,
    -- Attempts of the current step; reset when a step succeeds.
    step_attempts integer not null default 0,
    -- Attempts of the whole job, across steps and manual retries.
    attempts integer not null default 0,
    -- One object per failed attempt: {attempt, step, error, transient, at}.
    errors jsonb not null default '[]',
    -- Incremented at every push to the queue; part of the queue's idempotency key, so a
    -- re-push of the same delivery is dropped and a new delivery is not.
    delivery integer not null default 0,
    request_id text,
    traceparent text,
    next_attempt_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz
);
create index jobs_business_created_idx on jobs (business_id, created_at desc, id desc);
create index jobs_state_updated_idx on jobs (state, updated_at);

-- Inbound WhatsApp messages, stored once per message id for later routing.
create table whatsapp_inbound_messages (
    id uuid primary key,
    business_id uuid not null references businesses (id) on delete cascade,
    wamid text not null,
    from_wa_id text not null,
    message_type text not null,
    body jsonb not null,
    sent_at timestamptz,
    received_at timestamptz not null default now(),
    job_id uuid not null,
    constraint whatsapp_inbound_messages_wamid_key unique (business_id, wamid)
);

-- Delivery state of messages we sent. status_rank orders sent < delivered < read so an
-- update can only move forward; failed is terminal and ranks highest.
create table whatsapp_message_statuses (
    business_id uuid not null references businesses (id) on delete cascade,
    wamid text not null,
    status text not null constraint whatsapp_message_statuses_status_known check (
        status in ('sent', 'delivered', 'read', 'played', 'failed')
    ),
    status_rank smallint not null,
    errors jsonb,
    status_at timestamptz,
    updated_at timestamptz not null default now(),
    primary key (business_id, wamid)
);

-- Every (status id, status) pair seen, so a replayed webhook is applied once.
create table whatsapp_status_events (
    business_id uuid not null references businesses (id) on delete cascade,
    wamid text not null,
    status text not null,
    received_at timestamptz not null default now(),
    job_id uuid not null,
    primary key (business_id, wamid, status)
);
