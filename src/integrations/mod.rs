//! Provider adapters. For now: the WhatsApp Cloud API webhook format and its signature.

pub mod whatsapp;
