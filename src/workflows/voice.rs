//! The `voice` workflow: store audio → transcribe → understand → execute → speak.
//!
//! Each step streams what it learned as an event of the job (`transcript`, `intent`,
//! `confirmation_needed`, `result`, `reply`, `reply_audio`), so a waiting client hears
//! back step by step. Providers degrade instead of failing the turn: an LLM that is
//! down, open-breakered or talking nonsense hands over to the rule-based parser; a TTS
//! that fails leaves a text reply. Only speech-to-text has no fallback (there is no
//! text to fall back on), so an audio turn without it fails with a clear error.

use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{
    registry::{StepContext, StepError, StepFuture, WorkflowCode},
    voice_support::{audio_type, follow_up_id, wav_from_pcm},
};
use crate::{
    domain::{conversations, jobs::NewJob},
    engine::{
        conversation::Conversation,
        execute::{Engine, FollowUp, Outcome, Status},
        intent::{Language, ParsedIntent},
        rules,
    },
    integrations::provider::ProviderError,
};

pub fn code() -> WorkflowCode {
    WorkflowCode {
        name: "voice",
        steps: vec![
            ("store", store),
            ("transcribe", transcribe),
            ("understand", understand),
            ("execute", execute),
            ("speak", speak),
        ],
    }
}

/// Audio sent with an utterance (the bytes are staged separately).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct AudioInput {
    pub format: String,
    #[serde(default = "default_rate")]
    pub sample_rate: u32,
}

fn default_rate() -> u32 {
    16_000
}

/// A voice job's input.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct VoiceInput {
    pub session_id: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub audio: Option<AudioInput>,
}

fn input(ctx: &StepContext) -> Result<VoiceInput, StepError> {
    serde_json::from_value(ctx.input.clone())
        .map_err(|e| StepError::Permanent(format!("bad voice input: {e}")))
}

fn recording_key(ctx: &StepContext, ext: &str) -> String {
    format!("recordings/{}/{}.{ext}", ctx.tenant_id, ctx.job_id)
}

fn language_code(lang: Language) -> &'static str {
    match lang {
        Language::Hinglish | Language::Hindi => "hi",
        Language::English => "en",
    }
}

async fn emit(ctx: &StepContext, kind: &str, data: Value) {
    if let Err(e) = ctx
        .deps
        .events
        .emit(ctx.job_id, ctx.tenant_id, kind, data)
        .await
    {
        tracing::warn!(error = %e, kind, "voice event not published");
    }
}

fn provider_error(e: ProviderError) -> StepError {
    match e {
        ProviderError::Permanent(m) => StepError::Permanent(m),
        other => StepError::Transient(other.to_string()),
    }
}

async fn conversation(ctx: &StepContext, session: &str) -> Result<Conversation, StepError> {
    let state = conversations::peek(&ctx.deps.pool, ctx.tenant_id, session).await?;
    Ok(state.map(Conversation::from_json).unwrap_or_default())
}

/// Moves staged audio to the document store (S3 or disk). Text turns skip it.
fn store(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let input = input(&ctx)?;
        let Some(audio) = input.audio else {
            return Ok(json!({"skipped": true}));
        };
        let (content_type, ext) = audio_type(&audio.format).ok_or_else(|| {
            StepError::Permanent(format!("unsupported audio format {}", audio.format))
        })?;
        let key = recording_key(&ctx, ext);
        let voice = &ctx.deps.voice;
        let staged = voice
            .staging
            .get(ctx.job_id)
            .await
            .map_err(|e| StepError::Transient(format!("redis: {e}")))?;
        let bytes = match staged {
            Some(raw) if audio.format == "pcm_s16le" => wav_from_pcm(&raw, audio.sample_rate),
            Some(raw) => raw,
            // A retry after the staging copy was removed: the recording is already stored.
            None => match ctx.deps.store.get(&key).await {
                Ok(Some(stored)) => stored,
                Ok(None) => {
                    return Err(StepError::Permanent(
                        "the recording was lost before it was stored".into(),
                    ));
                }
                Err(e) => return Err(StepError::Transient(e.to_string())),
            },
        };
        ctx.deps
            .store
            .put(&key, &bytes, content_type)
            .await
            .map_err(|e| StepError::Transient(e.to_string()))?;
        if let Err(e) = voice.staging.remove(ctx.job_id).await {
            // Harmless: the staging key expires on its own.
            tracing::debug!(error = %e, "staged audio not removed");
        }
        Ok(
            json!({"key": key, "bytes": bytes.len(), "content_type": content_type,
                  "sha256": hex::encode(Sha256::digest(&bytes))}),
        )
    })
}

fn transcribe(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let input = input(&ctx)?;
        if let Some(text) = input.text.filter(|t| !t.trim().is_empty()) {
            emit(&ctx, "transcript", json!({"text": text, "source": "text"})).await;
            return Ok(json!({"text": text, "source": "text"}));
        }
        let key = ctx
            .outputs
            .pointer("/store/key")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let content_type = ctx
            .outputs
            .pointer("/store/content_type")
            .and_then(Value::as_str)
            .unwrap_or("audio/wav")
            .to_string();
        let Some(stt) = ctx.deps.voice.providers.stt.clone() else {
            return Err(StepError::Permanent(
                "speech-to-text is not configured: send the utterance as text".into(),
            ));
        };
        let audio = ctx
            .deps
            .store
            .get(&key)
            .await
            .map_err(|e| StepError::Transient(e.to_string()))?
            .ok_or_else(|| StepError::Permanent("the stored recording is missing".into()))?;
        let lang = conversation(&ctx, &input.session_id).await?.language;
        let transcript = stt
            .transcribe(&audio, &content_type, Some(language_code(lang)))
            .await
            .map_err(provider_error)?;
        emit(&ctx, "transcript", json!({"text": transcript.text, "confidence": transcript.confidence, "source": stt.name()})).await;
        Ok(json!({"text": transcript.text, "source": stt.name()}))
    })
}

fn transcript_of(ctx: &StepContext) -> String {
    ctx.outputs
        .pointer("/transcribe/text")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// What the utterance means: an answer to a pending question, else the LLM's reading
/// (validated), else the rules'.
fn understand(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let input = input(&ctx)?;
        let text = transcript_of(&ctx);
        let conv = conversation(&ctx, &input.session_id).await?;
        let (parsed, source, fallback) =
            if conv.pending.is_some() && rules::confirmation(&text).is_some() {
                (rules::parse(&text), "confirmation", None)
            } else if let Some(llm) = ctx.deps.voice.providers.llm.clone() {
                let context = match &conv.active_customer {
                    Some(c) => format!(
                        "active customer: {}; invoice draft open: {}",
                        c.name,
                        conv.draft.is_some()
                    ),
                    None => format!(
                        "no active customer; invoice draft open: {}",
                        conv.draft.is_some()
                    ),
                };
                match llm.extract(&text, &context).await {
                    Ok(answer) => (answer.intent, "llm", None),
                    Err(e) => {
                        tracing::info!(error = %e, "intent model unusable, rules used");
                        (rules::parse(&text), "rules", Some(e.to_string()))
                    }
                }
            } else {
                (rules::parse(&text), "rules", None)
            };
        let mut data = json!({"intent": parsed.intent, "confidence": parsed.confidence,
                              "entities": parsed.entities, "source": source});
        if let Some(reason) = &fallback {
            data["fallback_reason"] = json!(reason);
        }
        emit(&ctx, "intent", data).await;
        Ok(json!({"parsed": parsed, "source": source}))
    })
}

/// Runs the turn with the session locked; starts follow-up jobs.
fn execute(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let input = input(&ctx)?;
        let text = transcript_of(&ctx);
        let parsed: ParsedIntent = ctx
            .outputs
            .pointer("/understand/parsed")
            .cloned()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_else(|| ParsedIntent::unknown(text.clone()));
        let voice = &ctx.deps.voice;
        let permit = voice
            .execute_permits
            .acquire()
            .await
            .map_err(|e| StepError::Transient(e.to_string()))?;
        // Before the session's lock is taken, so the lock is held no longer for it.
        let role = speaker_role(&ctx).await?;
        let mut tx = ctx.deps.pool.begin().await?;
        let state =
            conversations::lock(&mut tx, ctx.tenant_id, &input.session_id, ctx.user_id).await?;
        let mut conv = Conversation::from_json(state);
        let engine = Engine {
            pool: &ctx.deps.pool,
            tenant: ctx.tenant_id,
            user: ctx.user_id,
            role,
            turn_key: format!("voice:{}", ctx.job_id),
            policy: &voice.policy,
            erasure: voice.codes.as_ref(),
            now: chrono::Utc::now(),
        };
        let outcome = engine
            .turn(&mut conv, &text, parsed)
            .await
            .map_err(|e| StepError::Transient(e.to_string()))?;
        let follow_up_job = start_follow_up(&ctx, &outcome).await?;
        conversations::save(&mut tx, ctx.tenant_id, &input.session_id, &conv.to_json()).await?;
        tx.commit().await?;
        // The permit bounds pooled connections; what follows needs none, and holding it
        // through Redis round trips made turns queue for permits under load.
        drop(permit);
        if let Some(customer) = outcome
            .data
            .get("customer_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
        {
            // Independent keys: one round trip's wait instead of two in a row.
            let cache = &ctx.deps.cache;
            let balance = crate::cache::balance_key(ctx.tenant_id, customer);
            let record = crate::cache::customer_key(ctx.tenant_id, customer);
            futures::join!(cache.invalidate(&balance), cache.invalidate(&record));
        }
        if outcome.status == Status::NeedsConfirmation {
            emit(
                &ctx,
                "confirmation_needed",
                json!({"intent": outcome.intent, "text": outcome.reply}),
            )
            .await;
        }
        emit(&ctx, "result", json!({"intent": outcome.intent, "status": outcome.status, "data": outcome.data, "job_id": follow_up_job})).await;
        Ok(
            json!({"intent": outcome.intent, "status": outcome.status, "reply": outcome.reply,
                  "data": outcome.data, "language": outcome.language, "job_id": follow_up_job}),
        )
    })
}

/// The speaker's role now, from the database: a token's role may be stale (the owner
/// changed it, or removed the user) and the turn may have waited in the queue.
async fn speaker_role(ctx: &StepContext) -> Result<Option<crate::auth::Role>, StepError> {
    let Some(user) = ctx.user_id else {
        return Ok(None);
    };
    let found = crate::domain::users::get(&ctx.deps.pool, ctx.tenant_id, user).await?;
    Ok(found.map(|u| u.role()))
}

/// Starts the invoice job a turn asked for, under an id derived from the voice job.
async fn start_follow_up(
    ctx: &StepContext,
    outcome: &Outcome,
) -> Result<Option<uuid::Uuid>, StepError> {
    let input = match &outcome.follow_up {
        None => return Ok(None),
        Some(FollowUp::IssueInvoice(req)) => {
            serde_json::to_value(req).map_err(|e| StepError::Permanent(e.to_string()))?
        }
        Some(FollowUp::ResendInvoice(id)) => json!({"resend_of": id}),
    };
    let id = follow_up_id(ctx.job_id);
    let job = NewJob {
        id,
        business_id: ctx.tenant_id,
        user_id: ctx.user_id,
        workflow: "invoice".into(),
        input,
        request_id: None,
        traceparent: None,
    };
    match ctx.deps.voice.queue.enqueue(job).await {
        Ok(_) => Ok(Some(id)),
        // Already started by an earlier attempt of this turn.
        Err(super::queue::EnqueueError::Database(sqlx::Error::Database(db)))
            if db.is_unique_violation() =>
        {
            Ok(Some(id))
        }
        Err(e) => Err(StepError::Transient(e.to_string())),
    }
}

/// Says the reply: text at once, audio when a speech engine is there and works.
fn speak(ctx: StepContext) -> StepFuture {
    Box::pin(async move {
        let executed = ctx.outputs.get("execute").cloned().unwrap_or_default();
        let reply = executed
            .get("reply")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let lang: Language = executed
            .get("language")
            .cloned()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        emit(&ctx, "reply", json!({"text": reply, "language": lang})).await;
        let mut result = json!({"reply": reply, "language": lang, "intent": executed.get("intent"),
                                "status": executed.get("status"), "data": executed.get("data"),
                                "job_id": executed.get("job_id"), "audio": false});
        let Some(tts) = ctx.deps.voice.providers.tts.clone() else {
            return Ok(result);
        };
        match tts.synthesize(&reply, language_code(lang)).await {
            Ok(speech) => {
                use base64::Engine as _;
                emit(&ctx, "reply_audio", json!({"content_type": speech.content_type, "bytes": speech.bytes.len(),
                    "audio_base64": base64::engine::general_purpose::STANDARD.encode(&speech.bytes), "source": tts.name()})).await;
                result["audio"] = json!(true);
                result["audio_source"] = json!(tts.name());
            }
            Err(e) => {
                tracing::info!(error = %e, "speech synthesis unusable, text reply only");
                result["degraded"] = json!("tts_unavailable");
            }
        }
        Ok(result)
    })
}
