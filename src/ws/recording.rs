//! A recording sent over `/ws` in pieces: `audio.start`, binary frames, `audio.end`.
//!
//! A recording holds memory until it ends, so each one holds a slot of its user's
//! recording count (`limits`) and is capped in bytes (`EXECORA_VOICE_MAX_AUDIO_BYTES`);
//! dropping it gives both back.

use super::limits::{PerUser, Slot};
use std::sync::Arc;

pub(super) struct Recording {
    /// This recording's place in its user's count; given back when it ends.
    _slot: Slot,
    pub(super) session_id: String,
    pub(super) format: String,
    pub(super) sample_rate: Option<u32>,
    pub(super) bytes: Vec<u8>,
}

/// Why a recording could not start or grow: (error code, message) for the error frame.
pub(super) type Refusal = (&'static str, String);

/// Starts a recording unless `user` already has `max` unfinished ones.
pub(super) fn start(
    counts: &Arc<PerUser>,
    user: uuid::Uuid,
    max: usize,
    (session_id, format, sample_rate): (String, String, Option<u32>),
) -> Result<Recording, Refusal> {
    let slot = counts.try_acquire(user, max).ok_or_else(|| {
        let why = format!("at most {max} unfinished recordings per user");
        ("too_many_recordings", why)
    })?;
    Ok(Recording {
        _slot: slot,
        session_id,
        format,
        sample_rate,
        bytes: Vec::new(),
    })
}

/// Appends `bytes` to the recording in `current`; past `max` bytes the recording is
/// dropped (its slot given back) and refused.
pub(super) fn append(
    current: &mut Option<Recording>,
    bytes: &[u8],
    max: usize,
) -> Result<(), Refusal> {
    let Some(r) = current.as_mut() else {
        let why = "send audio.start before audio frames".to_string();
        return Err(("no_recording", why));
    };
    if r.bytes.len() + bytes.len() > max {
        *current = None;
        let why = format!("recordings are limited to {max} bytes");
        return Err(("audio_too_large", why));
    }
    r.bytes.extend_from_slice(bytes);
    Ok(())
}
