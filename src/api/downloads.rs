//! `GET /pub/invoices/{id}/{token}`: the signed link WhatsApp fetches an invoice PDF from.
//! No login (the customer has none); the token is an expiry and an HMAC of the invoice id
//! and that expiry, compared in constant time, so links cannot be guessed, altered or
//! prolonged. A link also stops working when the invoice is cancelled or its customer
//! erased. Every refusal is the same 404, so a link says nothing about why.

use poem::{
    IntoResponse, Response, handler,
    http::StatusCode,
    web::{Data, Path},
};
use uuid::Uuid;

use crate::{app::App, domain::invoice_documents, workflows::invoice::link_token_valid};

#[handler]
pub async fn invoice_pdf(Path((id, token)): Path<(Uuid, String)>, app: Data<&App>) -> Response {
    let now = chrono::Utc::now().timestamp();
    if !link_token_valid(&app.portal_key, id, token.trim_end_matches(".pdf"), now) {
        return super::middleware::envelope(StatusCode::NOT_FOUND, "not_found", "no such document");
    }
    let Ok(Some((_, key, _))) = invoice_documents::pdf_key(&app.pool, id).await else {
        return super::middleware::envelope(StatusCode::NOT_FOUND, "not_found", "no such document");
    };
    match app.store.get(&key).await {
        Ok(Some(bytes)) => Response::builder()
            .content_type("application/pdf")
            .header("cache-control", "private, max-age=300")
            .body(bytes),
        _ => super::middleware::envelope(StatusCode::NOT_FOUND, "not_found", "no such document")
            .into_response(),
    }
}
