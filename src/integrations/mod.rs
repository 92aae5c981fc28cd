//! Provider adapters: the WhatsApp Cloud API webhook format and signature, and email.

pub mod email;
pub mod whatsapp;
pub mod whatsapp_send;
