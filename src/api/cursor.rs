//! Opaque keyset-paging cursors: the (created_at, id) of a page's last row.

use chrono::{DateTime, Utc};
use uuid::Uuid;

pub fn encode(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}_{id}", at.timestamp_micros())
}

pub fn decode(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (micros, id) = cursor.split_once('_')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        id.parse().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let (at, id) = (Utc::now(), Uuid::now_v7());
        let (at2, id2) = decode(&encode(at, id)).unwrap();
        assert_eq!((at2.timestamp_micros(), id2), (at.timestamp_micros(), id));
        assert!(decode("nonsense").is_none());
        assert!(decode("12_notauuid").is_none());
    }
}
