//! `/dashboard`: the operators' job dashboard, four static files compiled into the binary.
//!
//! Plain HTML, CSS and vanilla JavaScript with no build step and nothing fetched from a
//! CDN (shops' servers often have no internet). The page holds no data of its own: it
//! logs in through `/api/v1/auth/login`, reads the API with the access token, and follows
//! jobs over `/ws`. Its Content-Security-Policy (in `api::middleware`) allows only these
//! files' own script and style.

use poem::{Endpoint, EndpointExt, IntoResponse, Response, Route, handler, http::StatusCode};

const INDEX: &str = include_str!("index.html");
const SCRIPT: &str = include_str!("app.js");
const OPS_SCRIPT: &str = include_str!("ops.js");
const STYLE: &str = include_str!("app.css");

/// The dashboard's routes, nested under `/dashboard`.
pub fn routes() -> impl Endpoint {
    Route::new()
        .at("/", poem::get(index))
        .at("/app.js", poem::get(script))
        .at("/ops.js", poem::get(ops_script))
        .at("/app.css", poem::get(style))
        .boxed()
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    body.with_content_type(content_type)
        // Revalidate every time: a new binary must not run last version's script.
        .with_header("cache-control", "no-cache")
        .with_status(StatusCode::OK)
        .into_response()
}

#[handler]
fn index() -> Response {
    asset(INDEX, "text/html; charset=utf-8")
}

#[handler]
fn script() -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

#[handler]
fn ops_script() -> Response {
    asset(OPS_SCRIPT, "text/javascript; charset=utf-8")
}

#[handler]
fn style() -> Response {
    asset(STYLE, "text/css; charset=utf-8")
}
