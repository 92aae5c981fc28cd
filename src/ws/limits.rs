//! What one user or one socket may hold or send over `/ws`.
//!
//! Without caps a single user opened 500 sockets, kept 40 recordings of 10 MiB pending
//! (+223 MiB) and could send frames as fast as the network carried them. Three limits
//! (settings `ws.*`): sockets per user, refused at the upgrade with 429
//! `too_many_sockets`; unfinished recordings per user, refused at `audio.start` with an
//! error frame `too_many_recordings`; frames per socket per second, past which the
//! socket closes with 4429. The counts are per server process: they bound the memory
//! one server can be made to hold, which is what they are for.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use uuid::Uuid;

/// Close code for a socket that sent frames faster than allowed.
pub const CLOSE_TOO_MANY_MESSAGES: u16 = 4429;

/// Counts of something each user holds (sockets, recordings), with RAII slots.
#[derive(Default)]
pub struct PerUser {
    held: Mutex<HashMap<Uuid, usize>>,
}

/// One held unit; dropping it gives it back.
pub struct Slot {
    owner: Arc<PerUser>,
    user: Uuid,
}

impl PerUser {
    /// A slot for `user` unless they already hold `max`.
    pub fn try_acquire(self: &Arc<Self>, user: Uuid, max: usize) -> Option<Slot> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let count = held.entry(user).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(Slot {
            owner: self.clone(),
            user,
        })
    }

    #[cfg(test)]
    fn held_by(&self, user: Uuid) -> usize {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.get(&user).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = self
            .owner
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = held.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            // Forget users holding nothing, so the map does not grow with every user seen.
            if *count == 0 {
                held.remove(&self.user);
            }
        }
    }
}

/// The process's socket and recording counts; shared by every session.
#[derive(Default, Clone)]
pub struct WsSlots {
    pub sockets: Arc<PerUser>,
    pub recordings: Arc<PerUser>,
}

/// Frames per second of one socket: a fixed one-second window (a burst of twice the
/// limit across a window edge is harmless; the point is a bound).
pub struct MessageRate {
    limit: u32,
    window_start: Instant,
    seen: u32,
}

impl MessageRate {
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            window_start: Instant::now(),
            seen: 0,
        }
    }

    /// Counts one frame; `false` once the socket is over its limit in this second.
    pub fn allow(&mut self) -> bool {
        let now = Instant::now();
        if now.duration_since(self.window_start) >= Duration::from_secs(1) {
            self.window_start = now;
            self.seen = 0;
        }
        self.seen = self.seen.saturating_add(1);
        self.seen <= self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_per_user_and_come_back_when_dropped() {
        let sockets = Arc::new(PerUser::default());
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let first = sockets.try_acquire(a, 2).unwrap();
        let _second = sockets.try_acquire(a, 2).unwrap();
        assert!(sockets.try_acquire(a, 2).is_none());
        assert!(
            sockets.try_acquire(b, 2).is_some(),
            "another user has their own"
        );
        drop(first);
        assert_eq!(sockets.held_by(a), 1);
        assert!(sockets.try_acquire(a, 2).is_some());
    }

    #[test]
    fn a_socket_over_its_rate_is_refused_within_the_second() {
        let mut rate = MessageRate::new(3);
        assert!((0..3).all(|_| rate.allow()));
        assert!(!rate.allow());
    }
}
