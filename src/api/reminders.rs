//! `/api/v1/reminders`: payment reminders from an ISO time or a Hinglish phrase
//! ("kal 7 baje", "har mahine 1 tareekh", "daily 3 baje", "har 5 minute", "10 minute baad").
//! Times of day in a phrase are wall-clock times in the business's time zone.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
};
use uuid::Uuid;

use super::{ApiTags, security::BearerAuth};
use crate::{
    app::App,
    domain::{
        businesses,
        reminders::{self, NewReminder, Reminder, ReminderError},
        schedule::{self, ScheduleError},
    },
    error::ApiError,
};

pub struct RemindersApi;

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct ReminderInput {
    customer_id: Uuid,
    /// RFC 3339 time, or a phrase such as "kal shaam 7 baje", "har mahine 1 tareekh",
    /// "daily 3 baje", "har 5 minute", "30 minute baad"; times of day are in the business's
    /// time zone (Asia/Kolkata unless the owner set another).
    #[oai(validator(min_length = 1, max_length = 120))]
    when: String,
    /// Added to the composed message.
    #[oai(validator(max_length = 300))]
    message: Option<String>,
}

#[derive(Object)]
#[oai(example, skip_serializing_if_is_none)]
struct ReminderView {
    id: Uuid,
    customer_id: Uuid,
    /// The words the schedule was parsed from.
    when: String,
    /// The parsed schedule (kind: once, every, daily, weekly, monthly).
    schedule: serde_json::Value,
    message: Option<String>,
    /// The next occurrence; absent once done or cancelled.
    next_run_at: Option<DateTime<Utc>>,
    /// active, done or cancelled
    status: String,
    sent_count: i32,
    last_sent_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<Reminder> for ReminderView {
    fn from(r: Reminder) -> Self {
        Self {
            id: r.id,
            customer_id: r.customer_id,
            when: r.schedule_text,
            schedule: r.schedule,
            message: r.message,
            next_run_at: r.next_run_at,
            status: r.status,
            sent_count: r.sent_count,
            last_sent_at: r.last_sent_at,
            created_at: r.created_at,
        }
    }
}

#[derive(ApiResponse)]
enum Created {
    #[oai(status = 201)]
    Created(Json<ReminderView>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Reminders")]
impl RemindersApi {
    /// Schedule a payment reminder (one-off or recurring).
    #[oai(path = "/reminders", method = "post", operation_id = "createReminder")]
    async fn create(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] _key: Header<Option<String>>,
        body: Json<ReminderInput>,
    ) -> Result<Created, ApiError> {
        let tenant = auth.0.tenant_id;
        let tz = businesses::time_zone(&app.pool, tenant).await?;
        let sched = schedule::parse(&body.when, Utc::now(), tz).map_err(|e| match e {
            ScheduleError::PastTime => {
                ApiError::unprocessable("past_time", "that time has already passed")
            }
            other => ApiError::unprocessable("unrecognised_schedule", other.to_string()),
        })?;
        let new = NewReminder {
            customer: body.customer_id,
            schedule: &sched,
            tz,
            text: body.when.trim(),
            message: body.message.as_deref(),
            created_by: auth.0.user_id,
            min_interval_minutes: app.settings.reminders.min_interval_minutes,
        };
        let r = reminders::create(&app.pool, tenant, new)
            .await
            .map_err(|e| match e {
                ReminderError::NoCustomer => ApiError::not_found("customer"),
                ReminderError::NoOccurrence => {
                    ApiError::unprocessable("past_time", "the schedule has no future occurrence")
                }
                ReminderError::TooFrequent(min) => ApiError::unprocessable(
                    "reminder_too_frequent",
                    format!("a reminder may repeat at most every {min} minutes"),
                ),
                ReminderError::Db(db) => db.into(),
            })?;
        Ok(Created::Created(Json(r.into())))
    }

    /// Reminders, newest first, optionally of one customer.
    #[oai(path = "/reminders", method = "get", operation_id = "listReminders")]
    async fn list(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        customer_id: Query<Option<Uuid>>,
    ) -> Result<Json<Vec<ReminderView>>, ApiError> {
        Ok(Json(
            reminders::list(&app.pool, auth.0.tenant_id, customer_id.0)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// Stop a reminder.
    #[oai(
        path = "/reminders/:id/cancel",
        method = "post",
        operation_id = "cancelReminder"
    )]
    async fn cancel(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        #[oai(example = "super::example_reminder_id")] id: Path<Uuid>,
    ) -> Result<Json<ReminderView>, ApiError> {
        let r = reminders::cancel(&app.pool, auth.0.tenant_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("active reminder"))?;
        Ok(Json(r.into()))
    }
}

impl poem_openapi::types::Example for ReminderInput {
    fn example() -> Self {
        Self {
            customer_id: super::example_id(2),
            when: "kal shaam 7 baje".into(),
            message: None,
        }
    }
}

impl poem_openapi::types::Example for ReminderView {
    fn example() -> Self {
        Self {
            id: super::example_reminder_id(),
            customer_id: super::example_customer_id(),
            when: "kal shaam 7 baje".into(),
            schedule: serde_json::json!({"kind": "once", "spec": "2026-04-02T13:30:00Z"}),
            message: None,
            next_run_at: Some(super::example_time()),
            status: "pending".into(),
            sent_count: 0,
            last_sent_at: None,
            created_at: super::example_time(),
        }
    }
}
