-- The language a customer is written to in: reminders and invoice messages, and the
-- amount in words on their invoices. The engine's three reply languages: Hinglish (Hindi
-- in Roman script, the shops' own way of writing and the default, so every existing
-- customer keeps the messages they had), English, and Hindi in Devanagari.

alter table customers
    add column preferred_language text not null default 'hinglish'
        constraint customers_language_known check (preferred_language in ('hinglish', 'english', 'hindi'));
