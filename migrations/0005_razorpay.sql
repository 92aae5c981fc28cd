-- Razorpay payment webhooks: each business signs its own webhooks.
--
-- The secret is the HMAC key the shop entered in its Razorpay dashboard. It must be
-- readable in the clear to verify a signature, so it is stored as given; the API only
-- ever writes it (never returns it) and it is never logged. Null means "no Razorpay
-- webhooks for this business": every delivery to it is refused as unsigned.
alter table businesses add column razorpay_webhook_secret text
    constraint businesses_razorpay_webhook_secret_length
    check (razorpay_webhook_secret is null or length(razorpay_webhook_secret) between 8 and 256);
