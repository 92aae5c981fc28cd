//! `/api/v1/business/time-zone`: the owner sets the IANA time zone the business's
//! reminders and financial years are reckoned in (Asia/Kolkata until set).
//!
//! The name is checked against the tz database compiled into the server, so only a
//! zone the schedule code can use is ever stored; the domain still falls back to India
//! for a stored name it does not know (a row edited by hand, a zone a later tz release
//! dropped) rather than stop that shop's reminders.

use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::{ApiTags, security::BearerAuth};
use crate::auth::permissions::Action;
use crate::{
    app::App,
    domain::{businesses, schedule},
    error::ApiError,
};

pub struct BusinessApi;

/// A business's time zone.
#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct TimeZoneSetting {
    /// An IANA tz database name, spelled as the database does: "Asia/Kolkata",
    /// "Asia/Dubai", "Europe/London". Any other name, empty included, is answered 422
    /// `invalid_time_zone` (not a schema error) so clients handle one code.
    time_zone: String,
}

#[derive(ApiResponse)]
enum TimeZoneSet {
    /// Stored: the zone now in force, as the tz database names it.
    #[oai(status = 200)]
    Done(Json<TimeZoneSetting>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Business")]
impl BusinessApi {
    /// Set the business's time zone (owner only). Daily and monthly reminders fire at
    /// their wall-clock time in it, following its daylight-saving changes; their next
    /// occurrence moves at once. Invoices issued from now on are numbered in the
    /// financial year (1 April–31 March) of its calendar. 422 `invalid_time_zone` for a
    /// name the tz database does not have.
    #[oai(
        path = "/business/time-zone",
        method = "put",
        operation_id = "setBusinessTimeZone"
    )]
    async fn set_time_zone(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        body: Json<TimeZoneSetting>,
    ) -> Result<TimeZoneSet, ApiError> {
        if !auth.0.role.may(Action::ConfigureBusiness) {
            return Err(ApiError::forbidden("only the owner sets the time zone"));
        }
        let name = body.0.time_zone.trim();
        let Some(tz) = schedule::zone(name) else {
            return Err(ApiError::unprocessable(
                "invalid_time_zone",
                format!("{name:?} is not an IANA time zone, e.g. \"Asia/Kolkata\""),
            ));
        };
        if !businesses::set_time_zone(&app.pool, auth.0.tenant_id, tz).await? {
            return Err(ApiError::not_found("business"));
        }
        Ok(TimeZoneSet::Done(Json(TimeZoneSetting {
            time_zone: tz.name().to_string(),
        })))
    }
}

impl poem_openapi::types::Example for TimeZoneSetting {
    fn example() -> Self {
        Self {
            time_zone: "Asia/Kolkata".into(),
        }
    }
}
