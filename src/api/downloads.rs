//! `GET /pub/invoices/{id}/{token}`: the signed link WhatsApp fetches an invoice PDF from.
//! No login (the customer has none); the token is an HMAC of the invoice id, compared in
//! constant time, so links cannot be guessed or altered.

use poem::{
    IntoResponse, Response, handler,
    http::StatusCode,
    web::{Data, Path},
};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::{app::App, domain::invoice_documents, workflows::invoice::link_token};

#[handler]
pub async fn invoice_pdf(Path((id, token)): Path<(Uuid, String)>, app: Data<&App>) -> Response {
    let expected = link_token(&app.portal_key, id);
    if !bool::from(
        expected
            .as_bytes()
            .ct_eq(token.trim_end_matches(".pdf").as_bytes()),
    ) {
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
