//! Liveness, readiness and metrics: what load balancers and Prometheus ask.

use poem_openapi::{
    ApiResponse, Object, OpenApi,
    payload::{Json, PlainText},
};

use super::ApiTags;
use crate::app::App;
use poem::web::Data;

pub struct SystemApi;

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct Health {
    status: String,
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct Readiness {
    /// `ok` when every dependency answered.
    status: String,
    postgres: String,
    redis: String,
}

#[derive(ApiResponse)]
enum ReadyResponse {
    /// Postgres and Redis answered.
    #[oai(status = 200)]
    Ready(Json<Readiness>),
    /// At least one dependency did not answer; the body says which.
    #[oai(status = 503)]
    NotReady(Json<Readiness>),
}

#[OpenApi(tag = "ApiTags::System")]
impl SystemApi {
    /// Is the process alive?
    #[oai(path = "/health", method = "get", operation_id = "health")]
    async fn health(&self) -> Json<Health> {
        Json(Health {
            status: "ok".into(),
        })
    }

    /// Can the process serve requests (Postgres and Redis reachable)?
    #[oai(path = "/ready", method = "get", operation_id = "ready")]
    async fn ready(&self, app: Data<&App>) -> ReadyResponse {
        // What the process's probes found (every 250 ms by default): instant, whatever
        // the dependencies do, and the same view the requests are refused by.
        // A closed pool (shutting down) serves nothing either.
        let pg = app.0.health.postgres_up() && !app.0.pool.is_closed();
        let rd = app.0.health.redis_up();
        let word = |up: bool| if up { "ok" } else { "unreachable" }.to_string();
        let (postgres, redis) = (word(pg), word(rd));
        let ok = postgres == "ok" && redis == "ok";
        let body = Readiness {
            status: if ok { "ok" } else { "unavailable" }.into(),
            postgres,
            redis,
        };
        if ok {
            ReadyResponse::Ready(Json(body))
        } else {
            ReadyResponse::NotReady(Json(body))
        }
    }

    /// Prometheus metrics (text exposition format).
    #[oai(path = "/metrics", method = "get", operation_id = "metrics")]
    async fn metrics(&self, app: Data<&App>) -> PlainText<String> {
        PlainText(super::scrape::render(app.0).await)
    }
}

impl poem_openapi::types::Example for Health {
    fn example() -> Self {
        Self {
            status: "ok".into(),
        }
    }
}

impl poem_openapi::types::Example for Readiness {
    fn example() -> Self {
        Self {
            status: "ok".into(),
            postgres: "ok".into(),
            redis: "ok".into(),
        }
    }
}
