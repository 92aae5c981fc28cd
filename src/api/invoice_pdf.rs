//! `GET /api/v1/invoices/{id}/pdf`: the shop's own app downloads an invoice's PDF.
//!
//! The same stored document the customer's signed link serves (`downloads`), but behind
//! the access token and scoped to its tenant: another business's invoice, or one whose
//! PDF the `invoice` workflow has not rendered yet, is a 404.

use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi, param::Path, payload::Binary};
use uuid::Uuid;

use super::{ApiTags, security::BearerAuth};
use crate::{app::App, domain::invoice_documents, error::ApiError};

pub struct InvoicePdfApi;

/// The document itself.
#[derive(ApiResponse)]
enum PdfResponse {
    /// The invoice as printed (A4 PDF).
    #[oai(status = 200, content_type = "application/pdf")]
    Pdf(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
        #[oai(header = "Cache-Control")] String,
    ),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Invoices")]
impl InvoicePdfApi {
    /// The invoice's PDF: ₹ amounts, names in their own script, the amount in words in
    /// the buyer's language. 404 until the `invoice` workflow has rendered it.
    #[oai(
        path = "/invoices/:id/pdf",
        method = "get",
        operation_id = "getInvoicePdf"
    )]
    async fn pdf(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_invoice_id")] id: Path<Uuid>,
    ) -> Result<PdfResponse, ApiError> {
        let key = invoice_documents::tenant_pdf_key(&app.pool, auth.0.tenant_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("invoice document"))?;
        let bytes = app
            .store
            .get(&key)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(|| ApiError::not_found("invoice document"))?;
        Ok(PdfResponse::Pdf(
            Binary(bytes),
            format!("inline; filename=\"invoice-{}.pdf\"", id.0),
            "private, max-age=300".into(),
        ))
    }
}
