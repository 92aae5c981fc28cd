//! Refuses JSON request bodies that name a key twice in one object.
//!
//! serde keeps the last of two equal keys, so `{"role":"staff","role":"owner"}` read as
//! an owner while a proxy, a log or a reviewer reading the first key saw staff. Rather
//! than guess which one the sender meant, every JSON body is scanned once before its
//! handler sees it and a repeated key is **400** `duplicate_json_key`. The scan runs
//! under the body limit (`body_limit`), so it never holds more than a route allows; a
//! body that is not valid JSON is passed on untouched for the handler's own parse error.

use std::{collections::HashSet, fmt};

use poem::{Endpoint, IntoResponse, Request, Response, http::StatusCode};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::middleware::envelope;

/// The error a duplicate produces inside the scan (never shown to a client as is).
const DUPLICATE: &str = "duplicate key";

/// Runs `ep` unless the request is JSON with a key repeated in one object.
pub async fn refuse_duplicate_keys<E: Endpoint>(
    ep: &E,
    mut req: Request,
) -> poem::Result<Response> {
    if !is_json(&req) {
        return ep.call(req).await.map(IntoResponse::into_response);
    }
    // Read under the body limit: an over-limit body fails here and is answered 413 by
    // the limit layer, which saw its counter pass the limit.
    let bytes = req.take_body().into_bytes().await?;
    if has_duplicate_key(&bytes) {
        return Ok(envelope(
            StatusCode::BAD_REQUEST,
            "duplicate_json_key",
            "a JSON object in the body names the same key twice",
        ));
    }
    req.set_body(bytes);
    ep.call(req).await.map(IntoResponse::into_response)
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        })
}

/// Whether some object in `body` repeats a key. Invalid JSON answers `false`: its
/// handler reports it with its own, more precise error.
pub fn has_duplicate_key(body: &[u8]) -> bool {
    let mut de = serde_json::Deserializer::from_slice(body);
    match Scan.deserialize(&mut de) {
        Ok(()) => false,
        Err(e) => e.to_string().starts_with(DUPLICATE),
    }
}

/// Walks any JSON value, remembering each object's keys.
#[derive(Clone, Copy)]
struct Scan;

impl<'de> DeserializeSeed<'de> for Scan {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Scan {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Scan)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(de::Error::custom(DUPLICATE));
            }
            map.next_value_seed(Scan)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::has_duplicate_key;

    #[test]
    fn a_repeated_key_is_found_at_any_depth() {
        assert!(has_duplicate_key(br#"{"role":"staff","role":"owner"}"#));
        assert!(has_duplicate_key(br#"{"a":[{"x":1,"y":2,"x":3}]}"#));
        // An escaped spelling of the same key is the same key.
        assert!(has_duplicate_key(br#"{"role":1,"\u0072ole":2}"#));
    }

    #[test]
    fn distinct_keys_and_invalid_json_pass() {
        assert!(!has_duplicate_key(
            br#"{"a":{"a":1},"b":[{"a":1},{"a":2}]}"#
        ));
        assert!(!has_duplicate_key(br#"[1,"x",null,true,-1.5e3]"#));
        assert!(!has_duplicate_key(b"{not json"));
        assert!(!has_duplicate_key(b""));
    }
}
