//! `/api/v1/products`: the shop's catalogue and stock.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
};
use uuid::Uuid;

use super::{ApiTags, security::BearerAuth};
use crate::auth::permissions::Action;
use crate::{
    app::App,
    cache,
    domain::products::{self, MovementReason, Product, ProductData, ProductError},
    error::ApiError,
};

pub struct ProductsApi;

/// GST rates in basis points the law knows (0%, 0.1%, 0.25%, 1%, 1.5%, 3%, 5%, 12%, 18%, 28%).
const GST_RATES_BP: &[i32] = &[0, 10, 25, 100, 150, 300, 500, 1200, 1800, 2800];

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct ProductInput {
    #[oai(validator(min_length = 1, max_length = 120))]
    name: String,
    #[oai(validator(max_length = 64))]
    sku: Option<String>,
    /// pcs, kg, litre, packet …
    #[oai(default = "default_unit", validator(min_length = 1, max_length = 16))]
    unit: String,
    #[oai(validator(minimum(value = "0"), maximum(value = "10000000000")))]
    price_paise: i64,
    /// HSN (goods) or SAC (services): 4, 6 or 8 digits.
    #[oai(validator(pattern = r"^([0-9]{4}|[0-9]{6}|[0-9]{8})$"))]
    hsn_code: Option<String>,
    /// Basis points: 1800 = 18%.
    #[oai(default)]
    gst_rate_bp: i32,
    #[oai(
        default = "default_threshold",
        validator(minimum(value = "0"), maximum(value = "1000000000"))
    )]
    low_stock_threshold: i64,
    /// Stock on creation (ignored on update; use the stock endpoint).
    #[oai(
        default,
        validator(minimum(value = "0"), maximum(value = "1000000000"))
    )]
    opening_stock: i64,
}

fn default_unit() -> String {
    "pcs".into()
}
fn default_threshold() -> i64 {
    5
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
pub struct ProductView {
    id: Uuid,
    name: String,
    sku: Option<String>,
    unit: String,
    price_paise: i64,
    hsn_code: Option<String>,
    gst_rate_bp: i32,
    stock: i64,
    low_stock_threshold: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Product> for ProductView {
    fn from(p: Product) -> Self {
        Self {
            id: p.id,
            name: p.name,
            sku: p.sku,
            unit: p.unit,
            price_paise: p.price_paise,
            hsn_code: p.hsn_code,
            gst_rate_bp: p.gst_rate_bp,
            stock: p.stock,
            low_stock_threshold: p.low_stock_threshold,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
enum StockReason {
    Purchase,
    Adjustment,
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct StockChange {
    /// Units added (positive) or removed (negative); not zero.
    #[oai(validator(minimum(value = "-1000000000"), maximum(value = "1000000000")))]
    delta: i64,
    reason: StockReason,
    #[oai(validator(max_length = 200))]
    note: Option<String>,
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct MovementView {
    id: Uuid,
    delta: i64,
    reason: String,
    invoice_id: Option<Uuid>,
    note: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
enum Created {
    #[oai(status = 201)]
    Created(Json<ProductView>),
}

#[derive(ApiResponse)]
enum Done {
    #[oai(status = 204)]
    Done,
}

fn parse(input: &ProductInput) -> Result<ProductData, ApiError> {
    if !GST_RATES_BP.contains(&input.gst_rate_bp) {
        return Err(ApiError::unprocessable(
            "invalid_gst_rate",
            format!("gst_rate_bp must be one of {GST_RATES_BP:?}"),
        ));
    }
    Ok(ProductData {
        name: input.name.clone(),
        sku: input.sku.clone().filter(|s| !s.trim().is_empty()),
        unit: input.unit.clone(),
        price_paise: input.price_paise,
        hsn_code: input.hsn_code.clone(),
        gst_rate_bp: input.gst_rate_bp,
        low_stock_threshold: input.low_stock_threshold,
    })
}

fn conflict(e: ProductError) -> ApiError {
    match e {
        ProductError::SkuTaken => ApiError::conflict("sku_taken", "another product has that SKU"),
        ProductError::Db(db) => db.into(),
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Products")]
impl ProductsApi {
    /// Add a product.
    #[oai(path = "/products", method = "post", operation_id = "createProduct")]
    async fn create(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] _key: Header<Option<String>>,
        body: Json<ProductInput>,
    ) -> Result<Created, ApiError> {
        let data = parse(&body)?;
        let p = products::create(&app.pool, auth.0.tenant_id, &data, body.opening_stock)
            .await
            .map_err(conflict)?;
        app.cache
            .invalidate(&cache::products_key(auth.0.tenant_id))
            .await;
        Ok(Created::Created(Json(p.into())))
    }

    /// Products by name; `low_stock=true` lists those at or under their threshold.
    #[oai(path = "/products", method = "get", operation_id = "listProducts")]
    async fn list(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        low_stock: Query<Option<bool>>,
        limit: Query<Option<i64>>,
        offset: Query<Option<i64>>,
    ) -> Result<Json<Vec<ProductView>>, ApiError> {
        let limit = limit.0.unwrap_or(50).clamp(1, 200);
        let offset = offset.0.unwrap_or(0).max(0);
        let (tenant, low_stock) = (auth.0.tenant_id, low_stock.0.unwrap_or(false));
        // The default first page is the hot read (the app's product picker): cached.
        let rows = if !low_stock && limit == 50 && offset == 0 {
            app.cache
                .get_or_load(&cache::products_key(tenant), || async {
                    products::list(&app.pool, tenant, false, limit, 0)
                        .await
                        .map(Some)
                })
                .await?
                .unwrap_or_default()
        } else {
            products::list(&app.pool, tenant, low_stock, limit, offset).await?
        };
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// One product, with its price, GST rate and stock.
    #[oai(path = "/products/:id", method = "get", operation_id = "getProduct")]
    async fn get(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_product_id")] id: Path<Uuid>,
    ) -> Result<Json<ProductView>, ApiError> {
        let p = products::get(&app.pool, auth.0.tenant_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("product"))?;
        Ok(Json(p.into()))
    }

    /// Replace a product's details (not its stock).
    #[oai(path = "/products/:id", method = "put", operation_id = "updateProduct")]
    async fn update(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_product_id")] id: Path<Uuid>,
        body: Json<ProductInput>,
    ) -> Result<Json<ProductView>, ApiError> {
        let data = parse(&body)?;
        let p = products::update(&app.pool, auth.0.tenant_id, id.0, &data)
            .await
            .map_err(conflict)?
            .ok_or_else(|| ApiError::not_found("product"))?;
        app.cache
            .invalidate(&cache::products_key(auth.0.tenant_id))
            .await;
        Ok(Json(p.into()))
    }

    /// Remove a product from sale (owners and managers).
    #[oai(
        path = "/products/:id",
        method = "delete",
        operation_id = "deleteProduct"
    )]
    async fn delete(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_product_id")] id: Path<Uuid>,
    ) -> Result<Done, ApiError> {
        if !auth.0.role.may(Action::DeleteProduct) {
            return Err(ApiError::forbidden(
                "only owners and managers remove products",
            ));
        }
        if !products::delete(&app.pool, auth.0.tenant_id, id.0).await? {
            return Err(ApiError::not_found("product"));
        }
        app.cache
            .invalidate(&cache::products_key(auth.0.tenant_id))
            .await;
        Ok(Done::Done)
    }

    /// Record a purchase or a stock correction.
    #[oai(
        path = "/products/:id/stock",
        method = "post",
        operation_id = "changeStock"
    )]
    async fn change_stock(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_product_id")] id: Path<Uuid>,
        body: Json<StockChange>,
    ) -> Result<Json<ProductView>, ApiError> {
        if body.delta == 0 {
            return Err(ApiError::unprocessable(
                "invalid_delta",
                "delta must not be zero",
            ));
        }
        let reason = match body.reason {
            StockReason::Purchase => MovementReason::Purchase,
            StockReason::Adjustment => MovementReason::Adjustment,
        };
        let p = products::adjust(
            &app.pool,
            auth.0.tenant_id,
            id.0,
            body.delta,
            reason,
            body.note.as_deref(),
        )
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
        app.cache
            .invalidate(&cache::products_key(auth.0.tenant_id))
            .await;
        Ok(Json(p.into()))
    }

    /// The product's stock movements, newest first.
    #[oai(
        path = "/products/:id/movements",
        method = "get",
        operation_id = "listStockMovements"
    )]
    async fn movements(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_product_id")] id: Path<Uuid>,
    ) -> Result<Json<Vec<MovementView>>, ApiError> {
        products::get(&app.pool, auth.0.tenant_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("product"))?;
        let rows = products::movements(&app.pool, auth.0.tenant_id, id.0, 200).await?;
        Ok(Json(
            rows.into_iter()
                .map(|m| MovementView {
                    id: m.id,
                    delta: m.delta,
                    reason: m.reason,
                    invoice_id: m.invoice_id,
                    note: m.note,
                    created_at: m.created_at,
                })
                .collect(),
        ))
    }
}

impl poem_openapi::types::Example for ProductInput {
    fn example() -> Self {
        Self {
            name: "Toor Dal 1kg".into(),
            sku: Some("TD-1KG".into()),
            unit: "packet".into(),
            price_paise: 14000,
            hsn_code: Some("0713".into()),
            gst_rate_bp: 500,
            low_stock_threshold: 5,
            opening_stock: 40,
        }
    }
}

impl poem_openapi::types::Example for ProductView {
    fn example() -> Self {
        Self {
            id: super::example_id(3),
            name: "Toor Dal 1kg".into(),
            sku: Some("TD-1KG".into()),
            unit: "packet".into(),
            price_paise: 14000,
            hsn_code: Some("0713".into()),
            gst_rate_bp: 500,
            stock: 37,
            low_stock_threshold: 5,
            created_at: super::example_time(),
            updated_at: super::example_time(),
        }
    }
}

impl poem_openapi::types::Example for StockChange {
    fn example() -> Self {
        Self {
            delta: 24,
            reason: StockReason::Purchase,
            note: Some("Bill 4471 from the wholesaler".into()),
        }
    }
}

impl poem_openapi::types::Example for MovementView {
    fn example() -> Self {
        Self {
            id: super::example_id(9),
            delta: 24,
            reason: "purchase".into(),
            invoice_id: None,
            note: Some("Bill 4471 from the wholesaler".into()),
            created_at: super::example_time(),
        }
    }
}
