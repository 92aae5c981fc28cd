//! `POST /api/v1/voice/utterances`: start a voice turn from text (JSON) or a recording
//! (multipart). The same [`start`] serves the WebSocket, so both paths validate, limit
//! and enqueue alike.

use poem::web::Data;
use poem_openapi::{
    ApiRequest, Multipart, Object, OpenApi, param::Header, payload::Json, types::multipart::Upload,
};
use uuid::Uuid;

use super::{
    ApiTags,
    jobs::{JobAccepted, respond},
    middleware::RequestContext,
    security::BearerAuth,
};
use crate::{
    app::App,
    auth::{Principal, ratelimit::Limit},
    domain::jobs::{self, NewJob},
    error::ApiError,
    workflows::{
        hub::Hub,
        queue::EnqueueError,
        voice::{AudioInput, VoiceInput},
        voice_support::audio_type,
    },
};

/// The longest text utterance accepted.
const MAX_TEXT_CHARS: usize = 1000;

pub struct VoiceApi;

/// A typed utterance.
#[derive(Debug, Object)]
#[oai(example, skip_serializing_if_is_none)]
pub struct TextUtterance {
    /// The client's conversation id; turns of one session share context (the active
    /// customer, the invoice draft). 1–100 characters of letters, digits, `-_.:`.
    pub session_id: String,
    /// What was said, e.g. "Ramesh ko 500 udhaar likho".
    pub text: String,
}

/// A recorded utterance.
#[derive(Debug, Multipart)]
pub struct AudioUtterance {
    pub session_id: String,
    /// `wav`, `pcm_s16le` (16-bit mono), `webm_opus`, `ogg_opus` or `mp3`.
    pub format: String,
    /// For `pcm_s16le`: samples per second (default 16000).
    pub sample_rate: Option<u32>,
    pub audio: Upload,
}

#[derive(ApiRequest)]
pub enum UtteranceRequest {
    Text(Json<TextUtterance>),
    Audio(AudioUtterance),
}

/// An utterance as both entry points hand it over.
pub struct Utterance {
    pub session_id: String,
    pub text: Option<String>,
    pub audio: Option<(AudioInput, Vec<u8>)>,
}

fn valid_session(id: &str) -> bool {
    (1..=100).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

/// Validates, rate-limits, stages audio and enqueues a voice job.
pub async fn start(
    app: &App,
    principal: &Principal,
    ctx: &RequestContext,
    utterance: Utterance,
) -> Result<Uuid, ApiError> {
    if !valid_session(&utterance.session_id) {
        return Err(ApiError::unprocessable(
            "invalid_session_id",
            "session_id must be 1-100 letters, digits or -_.:",
        ));
    }
    let text = utterance.text.map(|t| t.trim().to_string());
    match (&text, &utterance.audio) {
        (Some(t), None) if t.is_empty() => {
            return Err(ApiError::unprocessable("empty_utterance", "text is empty"));
        }
        (Some(t), None) if t.chars().count() > MAX_TEXT_CHARS => {
            return Err(ApiError::unprocessable(
                "utterance_too_long",
                format!("text is longer than {MAX_TEXT_CHARS} characters"),
            ));
        }
        (None, Some((audio, bytes))) => {
            if audio_type(&audio.format).is_none() {
                return Err(ApiError::unprocessable(
                    "unsupported_audio_format",
                    "format must be wav, pcm_s16le, webm_opus, ogg_opus or mp3",
                ));
            }
            if bytes.is_empty() {
                return Err(ApiError::unprocessable(
                    "empty_audio",
                    "the recording is empty",
                ));
            }
            if bytes.len() > app.settings.voice.max_audio_bytes {
                return Err(ApiError::unprocessable(
                    "audio_too_large",
                    format!(
                        "recordings are limited to {} bytes",
                        app.settings.voice.max_audio_bytes
                    ),
                ));
            }
            if !(8_000..=48_000).contains(&audio.sample_rate) {
                return Err(ApiError::unprocessable(
                    "invalid_sample_rate",
                    "sample_rate must be 8000-48000",
                ));
            }
        }
        (Some(_), None) => {}
        _ => {
            return Err(ApiError::unprocessable(
                "invalid_utterance",
                "send either text or audio",
            ));
        }
    }
    let limit = Limit {
        name: "voice",
        limit: app.settings.limits.voice_per_user_per_hour,
        window: std::time::Duration::from_secs(3600),
    };
    match app.limiter.hit(limit, &principal.user_id.to_string()).await {
        Ok(d) if !d.allowed => {
            app.metrics.rate_limited.with_label_values(&["voice"]).inc();
            return Err(ApiError::rate_limited(d.reset_secs.max(1)));
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "voice rate limiter unavailable"),
    }
    let id = Uuid::now_v7();
    let (audio_input, bytes) = utterance.audio.unzip();
    if let Some(bytes) = &bytes {
        app.voice_staging.put(id, bytes).await.map_err(|e| {
            tracing::warn!(error = %e, "audio staging failed");
            ApiError::unavailable("the job queue is unavailable; retry later")
        })?;
    }
    let input = VoiceInput {
        session_id: utterance.session_id,
        text,
        audio: audio_input,
    };
    let job = NewJob {
        id,
        business_id: principal.tenant_id,
        user_id: Some(principal.user_id),
        workflow: "voice".into(),
        input: serde_json::to_value(&input).map_err(ApiError::internal)?,
        request_id: Some(ctx.request_id.clone()),
        traceparent: ctx.traceparent.clone(),
    };
    app.queue.enqueue(job).await.map_err(|e| match e {
        EnqueueError::Database(db) => ApiError::from(db),
        EnqueueError::Busy => ApiError::busy("too many jobs at once; retry shortly"),
        other => {
            tracing::warn!(error = %other, "voice enqueue failed");
            ApiError::unavailable("the job queue is unavailable; retry later")
        }
    })
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Voice")]
impl VoiceApi {
    /// Start a voice turn from text (JSON) or a recording (multipart). 202 with the
    /// job; follow its events over `/ws`, or send `Prefer: wait=N` for 200 with the
    /// finished job, whose `result` holds the reply. A recording upload over
    /// `EXECORA_VOICE_MAX_AUDIO_BYTES` (plus 64 KiB of form fields) is refused with 413
    /// as it streams in, never buffered whole.
    #[oai(
        path = "/voice/utterances",
        method = "post",
        operation_id = "createUtterance"
    )]
    async fn utterance(
        &self,
        app: Data<&App>,
        hub: Data<&Hub>,
        ctx: Data<&RequestContext>,
        auth: BearerAuth,
        #[oai(name = "Prefer")] prefer: Header<Option<String>>,
        body: UtteranceRequest,
    ) -> Result<JobAccepted, ApiError> {
        let utterance = match body {
            UtteranceRequest::Text(Json(t)) => Utterance {
                session_id: t.session_id,
                text: Some(t.text),
                audio: None,
            },
            UtteranceRequest::Audio(a) => {
                let bytes = a.audio.into_vec().await.map_err(|_| {
                    ApiError::unprocessable("invalid_audio", "the recording could not be read")
                })?;
                Utterance {
                    session_id: a.session_id,
                    text: None,
                    audio: Some((
                        AudioInput {
                            format: a.format,
                            sample_rate: a.sample_rate.unwrap_or(16_000),
                        },
                        bytes,
                    )),
                }
            }
        };
        let tenant = auth.0.tenant_id;
        let id = start(app.0, &auth.0, ctx.0, utterance).await?;
        let job = jobs::get(&app.pool, tenant, id)
            .await?
            .ok_or_else(|| ApiError::not_found("job"))?;
        respond(app.0, hub.0, tenant, id, prefer.0.as_deref(), job.into()).await
    }
}

impl poem_openapi::types::Example for TextUtterance {
    fn example() -> Self {
        Self {
            session_id: "counter-1".into(),
            text: "Ramesh ko 500 ka udhaar likh do".into(),
        }
    }
}
