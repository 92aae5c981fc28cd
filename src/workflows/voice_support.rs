//! What the voice workflow needs besides the engine: the providers, the staging of
//! uploaded audio until the `store` step persists it (owner codes for erasure are in
//! `erasure_codes`).
//!
//! Audio is staged in Redis (one key per job, one hour) rather than written to S3 on
//! the request path: the socket or HTTP request answers as soon as the job is accepted,
//! and the `store` step, with its own retries, moves the recording to S3.

use std::sync::Arc;

use redis::{AsyncCommands, aio::ConnectionManager};
use uuid::Uuid;

use super::queue::JobQueue;
use crate::{
    engine::execute::{ErasureCodes, Policy},
    integrations::voice_providers::VoiceProviders,
};

/// How long uploaded audio waits in Redis for the `store` step.
const STAGING_TTL_SECS: u64 = 3600;

/// Audio uploaded with an utterance, between the request and the `store` step.
#[derive(Clone)]
pub struct AudioStaging {
    conn: ConnectionManager,
    namespace: String,
}

impl AudioStaging {
    pub fn new(conn: ConnectionManager, namespace: &str) -> Self {
        Self {
            conn,
            namespace: namespace.to_string(),
        }
    }

    fn key(&self, job: Uuid) -> String {
        format!("{}:voice:audio:{job}", self.namespace)
    }

    pub async fn put(&self, job: Uuid, audio: &[u8]) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        conn.set_ex(self.key(job), audio, STAGING_TTL_SECS).await
    }

    pub async fn get(&self, job: Uuid) -> redis::RedisResult<Option<Vec<u8>>> {
        let mut conn = self.conn.clone();
        conn.get(self.key(job)).await
    }

    pub async fn remove(&self, job: Uuid) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        conn.del(self.key(job)).await
    }
}

/// Everything the voice steps share.
pub struct VoiceDeps {
    pub providers: VoiceProviders,
    pub policy: Policy,
    pub staging: AudioStaging,
    /// Starts the invoice jobs that confirmed drafts become.
    pub queue: JobQueue,
    pub codes: Arc<dyn ErasureCodes>,
    /// Turns executing at once in this process. A turn holds its session's row lock on
    /// one connection while the engine writes through another, so unbounded turns could
    /// take every pooled connection and wait on each other; provider steps (most of a
    /// turn's time) need no connection and are not bounded by this.
    pub execute_permits: Arc<tokio::sync::Semaphore>,
}

impl VoiceDeps {
    /// Turns allowed at once for a pool of `max_connections`: a third of it, leaving
    /// room for the other workflows and the API.
    pub fn execute_limit(max_connections: u32) -> usize {
        (max_connections as usize / 3).max(1)
    }
}

/// The content type of an uploaded format, and the file extension it is stored with.
pub fn audio_type(format: &str) -> Option<(&'static str, &'static str)> {
    Some(match format {
        "wav" | "pcm_s16le" => ("audio/wav", "wav"),
        "webm_opus" | "webm" => ("audio/webm", "webm"),
        "ogg_opus" | "ogg" => ("audio/ogg", "ogg"),
        "mp3" | "mpeg" => ("audio/mpeg", "mp3"),
        _ => return None,
    })
}

/// Wraps raw 16-bit little-endian mono PCM in a WAV header, so the stored recording
/// plays anywhere and speech-to-text services accept it.
pub fn wav_from_pcm(pcm: &[u8], sample_rate: u32) -> Vec<u8> {
    let data_len = u32::try_from(pcm.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(pcm.len() + 44);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&data_len.saturating_add(36).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * 2).to_le_bytes()); // bytes per second
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(pcm);
    out
}

/// A follow-up job's id, derived from the voice job's: a redelivered turn asks for the
/// same id and finds the job already there instead of starting a second one.
pub fn follow_up_id(voice_job: Uuid) -> Uuid {
    const SALT: u128 = 0x5eed_f011_0000_0000_0000_0000_0000_0001;
    let mut bytes = (voice_job.as_u128() ^ SALT).to_be_bytes();
    // Keep it a well-formed version-8 (custom) UUID.
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcm_is_wrapped_in_a_44_byte_wav_header() {
        let wav = wav_from_pcm(&[1, 2, 3, 4], 16_000);
        assert_eq!(wav.len(), 48);
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(u32::from_le_bytes([wav[4], wav[5], wav[6], wav[7]]), 40);
        assert_eq!(
            u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]),
            16_000
        );
        assert_eq!(&wav[44..], &[1, 2, 3, 4]);
    }

    #[test]
    fn follow_up_ids_are_stable_and_distinct() {
        let a = Uuid::now_v7();
        assert_eq!(follow_up_id(a), follow_up_id(a));
        assert_ne!(follow_up_id(a), a);
        assert_ne!(follow_up_id(a), follow_up_id(Uuid::now_v7()));
    }
}
