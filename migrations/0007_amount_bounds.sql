-- Bounds on money, so that no sum of it can overflow bigint (issue 14, finding 8).
--
-- Each amount is bounded (₹100 crore), and each business keeps the running total of the
-- absolute amounts of its ledger entries, raised by the statement that writes an entry
-- (src/domain/ledger.rs) and bounded at 10^15 paise. Every balance, statement line and
-- outstanding total is a signed sum of some of those entries, so its magnitude is at
-- most that total. The constraints are named `*_bounded`: the API answers their
-- violation with 422 `amount_too_large`. `not valid`: rows written before the bound
-- are not re-checked (they were accepted then); every new or changed row is.
alter table ledger_entries add constraint ledger_entries_amount_bounded
    check (amount_paise between -100000000000 and 100000000000) not valid;

alter table invoices add constraint invoices_total_bounded
    check (total_paise between 0 and 100000000000) not valid;

alter table businesses add column ledger_volume_paise bigint not null default 0;

-- What existing ledgers already hold, capped so the bound below can be added.
update businesses b set ledger_volume_paise = least(
    (select coalesce(sum(abs(l.amount_paise::numeric)), 0)
       from ledger_entries l where l.business_id = b.id),
    1000000000000000)::bigint;

alter table businesses add constraint businesses_ledger_volume_bounded
    check (ledger_volume_paise between 0 and 1000000000000000);
