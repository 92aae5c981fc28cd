-- Accounts: passwords, refresh-token families, idempotency keys.

-- argon2id PHC string; null for users who only log in by email OTP.
alter table users add column password_hash text;
-- Tokens issued before this instant are refused ("sign out everywhere").
alter table users add column sessions_valid_after timestamptz not null default '-infinity';
alter table users add column removed_at timestamptz;

-- Opaque refresh tokens, stored as SHA-256 hashes. A family is one login; each refresh
-- spends the presented token and issues its successor in the same transaction.
-- Presenting a spent token outside the grace window revokes the whole family.
create table refresh_tokens (
    id uuid primary key,
    family_id uuid not null,
    user_id uuid not null references users (id) on delete cascade,
    business_id uuid not null references businesses (id) on delete cascade,
    token_hash bytea not null constraint refresh_tokens_token_hash_key unique,
    created_at timestamptz not null default now(),
    -- Absolute end of the family, however often it is refreshed.
    family_expires_at timestamptz not null,
    spent_at timestamptz,
    -- The token that replaced this one; a concurrent refresh within the grace window gets it.
    successor_id uuid,
    revoked_at timestamptz
);
create index refresh_tokens_family_idx on refresh_tokens (family_id);
create index refresh_tokens_user_idx on refresh_tokens (user_id);

-- Idempotency-Key records (Stripe's pattern): one per (scope, key).
create table idempotency_keys (
    scope text not null,
    key text not null,
    request_hash bytea not null,
    -- null while the first request is still running
    status integer,
    content_type text,
    body bytea,
    created_at timestamptz not null default now(),
    primary key (scope, key)
);
create index idempotency_keys_created_idx on idempotency_keys (created_at);
