-- Voice conversations: what a session remembers between utterances (the active
-- customer, the invoice draft, a question awaiting yes/no). Keyed by business and the
-- client's session id, so two tenants can never see each other's state even if their
-- clients pick the same session id.

create table voice_sessions (
    business_id uuid not null references businesses (id) on delete cascade,
    session_id text not null constraint voice_sessions_session_id_length check (length(session_id) between 1 and 100),
    user_id uuid,
    -- engine::conversation::Conversation as JSON.
    state jsonb not null default '{}'::jsonb,
    turns integer not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (business_id, session_id)
);
create index voice_sessions_updated_idx on voice_sessions (updated_at);
