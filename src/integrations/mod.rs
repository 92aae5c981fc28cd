//! Provider adapters: WhatsApp (webhook format, signature, sending), email, storage.

pub mod email;
pub mod storage;
pub mod whatsapp;
pub mod whatsapp_send;
