//! Provider adapters: WhatsApp (webhook format, signature, sending), Razorpay (payment
//! webhooks), email, storage.

pub mod email;
pub mod razorpay;
pub mod storage;
pub mod whatsapp;
pub mod whatsapp_send;
