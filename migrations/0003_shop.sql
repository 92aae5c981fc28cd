-- The shop's business: customers, products and stock, the ledger, invoices.
-- Money is integer paise (bigint); GST rates are basis points (1800 = 18%).

alter table businesses add column state_code text;           -- GST state of the supplier
alter table businesses add column gstin text;
alter table businesses add column upi_vpa text;              -- for the invoice's UPI QR

create table customers (
    id uuid primary key,
    business_id uuid not null references businesses (id) on delete cascade,
    name text not null constraint customers_name_not_blank check (length(trim(name)) > 0),
    -- Phonetic folding of the name (domain::names::fold), what fuzzy search compares.
    name_folded text not null,
    phone text,                                              -- E.164
    email text,
    nicknames text[] not null default '{}',
    nicknames_folded text[] not null default '{}',         -- fold() of each nickname
    landmark text,
    city text,
    state_code text,                                         -- for place of supply
    gstin text,
    preferred_channel text not null default 'whatsapp'
        constraint customers_channel_known check (preferred_channel in ('whatsapp', 'email')),
    notes text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    -- Erasure keeps the row (ledger and invoices are tax records) with personal data gone.
    erased_at timestamptz
);
create unique index customers_phone_key on customers (business_id, phone) where phone is not null and erased_at is null;
create index customers_business_idx on customers (business_id, created_at desc, id desc);
create index customers_name_trgm_idx on customers using gin (name_folded gin_trgm_ops);

create table products (
    id uuid primary key,
    business_id uuid not null references businesses (id) on delete cascade,
    name text not null constraint products_name_not_blank check (length(trim(name)) > 0),
    sku text,
    unit text not null default 'pcs',
    price_paise bigint not null constraint products_price_non_negative check (price_paise >= 0),
    hsn_code text,
    gst_rate_bp integer not null default 0,
    stock bigint not null default 0,
    low_stock_threshold bigint not null default 5,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz
);
create unique index products_sku_key on products (business_id, sku) where sku is not null and deleted_at is null;
create index products_business_idx on products (business_id, name);

-- Every stock change, so stock is explainable; products.stock is their running sum.
create table stock_movements (
    id uuid primary key,
    business_id uuid not null references businesses (id) on delete cascade,
    product_id uuid not null references products (id) on delete cascade,
    delta bigint not null,
    reason text not null constraint stock_movements_reason_known check (reason in ('sale', 'purchase', 'adjustment', 'cancellation')),
    invoice_id uuid,
    note text,
    created_at timestamptz not null default now()
);
create index stock_movements_product_idx on stock_movements (product_id, created_at);

-- The append-only ledger. amount_paise > 0 increases what the customer owes (invoice,
-- credit given), < 0 decreases it (payment, reversal of an invoice). Balance = sum.
create table ledger_entries (
    id uuid primary key,
    business_id uuid not null references businesses (id) on delete cascade,
    customer_id uuid not null references customers (id),
    kind text not null constraint ledger_entries_kind_known check (kind in ('invoice', 'payment', 'credit', 'reversal')),
    amount_paise bigint not null constraint ledger_entries_amount_nonzero check (amount_paise <> 0),
    method text constraint ledger_entries_method_known check (method in ('cash', 'upi', 'card', 'bank')),
    invoice_id uuid,
    reference text,
    note text,
    -- Client idempotency for payments and credits: one entry per (business, key).
    idempotency_key text,
    created_at timestamptz not null default now()
);
create index ledger_entries_customer_idx on ledger_entries (business_id, customer_id, created_at, id);
create unique index ledger_entries_idempotency_key on ledger_entries (business_id, idempotency_key) where idempotency_key is not null;
create unique index ledger_entries_gateway_reference_key on ledger_entries (business_id, reference) where kind = 'payment' and reference is not null;

create table invoice_counters (
    business_id uuid not null references businesses (id) on delete cascade,
    financial_year text not null,                            -- "2026-27"
    last_seq integer not null,
    primary key (business_id, financial_year)
);

create table invoices (
    id uuid primary key,
    business_id uuid not null references businesses (id) on delete cascade,
    customer_id uuid not null references customers (id),
    -- The job that created it: a redelivered job finds its invoice instead of a second one.
    job_id uuid not null constraint invoices_job_id_key unique,
    number text not null,
    financial_year text not null,
    seq integer not null,
    status text not null default 'issued' constraint invoices_status_known check (status in ('issued', 'partial', 'paid', 'cancelled')),
    supply text not null constraint invoices_supply_known check (supply in ('intra_state', 'inter_state')),
    place_of_supply text,
    subtotal_paise bigint not null,
    discount_paise bigint not null,
    cgst_paise bigint not null,
    sgst_paise bigint not null,
    igst_paise bigint not null,
    round_off_paise bigint not null,
    total_paise bigint not null,
    paid_paise bigint not null default 0,
    issued_at timestamptz not null default now(),
    cancelled_at timestamptz,
    pdf_key text,
    delivered_via text,
    delivered_at timestamptz,
    constraint invoices_number_key unique (business_id, number),
    constraint invoices_seq_key unique (business_id, financial_year, seq)
);
create index invoices_business_idx on invoices (business_id, issued_at desc, id desc);
create index invoices_customer_idx on invoices (business_id, customer_id, issued_at);

create table invoice_lines (
    id uuid primary key,
    invoice_id uuid not null references invoices (id) on delete cascade,
    business_id uuid not null references businesses (id) on delete cascade,
    position integer not null,
    product_id uuid references products (id),
    description text not null,
    hsn_code text,
    quantity bigint not null,
    unit text not null,
    unit_price_paise bigint not null,
    discount_paise bigint not null,
    gst_rate_bp integer not null,
    taxable_paise bigint not null,
    cgst_paise bigint not null,
    sgst_paise bigint not null,
    igst_paise bigint not null,
    total_paise bigint not null
);
create index invoice_lines_invoice_idx on invoice_lines (invoice_id, position);

-- Which invoices a payment settled, oldest first (FIFO).
create table payment_allocations (
    payment_entry_id uuid not null references ledger_entries (id),
    invoice_id uuid not null references invoices (id),
    amount_paise bigint not null constraint payment_allocations_positive check (amount_paise > 0),
    primary key (payment_entry_id, invoice_id)
);
