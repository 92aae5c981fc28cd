//! The load generator's side of a session: a WebSocket client (subprotocol
//! `execora.v1, <token>`) that says one utterance and follows its job to the terminal
//! event, splitting the time by the events' own timestamps.

use std::{collections::HashMap, time::Duration};

use chrono::{DateTime, Utc};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{
    Message, client::IntoClientRequest, protocol::WebSocketConfig,
};

use super::fakes::TEXT;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long one turn may take before it counts as an error.
const TURN_TIMEOUT: Duration = Duration::from_secs(120);

pub async fn connect(url: &str, token: &str) -> Result<Ws, String> {
    let mut req = url.into_client_request().map_err(|e| e.to_string())?;
    let proto = format!("execora.v1, {token}");
    req.headers_mut()
        .insert("sec-websocket-protocol", proto.parse().unwrap());
    // tungstenite zeroes its read buffer (128 KiB by default) before every read attempt;
    // a small one keeps that cost out of the load generator. As browsers do, the client
    // sends each frame at once (no Nagle).
    let config = WebSocketConfig::default().read_buffer_size(8 * 1024);
    let connected = tokio_tungstenite::connect_async_with_config(req, Some(config), true).await;
    Ok(connected.map_err(|e| format!("connect: {e}"))?.0)
}

async fn next_json(ws: &mut Ws) -> Result<Value, String> {
    loop {
        let msg = ws.next().await.ok_or("socket closed")?;
        if let Message::Text(t) = msg.map_err(|e| format!("socket: {e}"))? {
            return serde_json::from_str(&t).map_err(|e| format!("bad frame: {e}"));
        }
    }
}

/// One turn's timings, in ms.
#[derive(Default)]
pub struct Turn {
    /// From `from` (the send, or the time the send was due) to the terminal event.
    pub total: f64,
    /// enqueue, queue_wait, step_<name>, transitions, finish, to_client.
    pub parts: HashMap<String, f64>,
}

fn ms(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_microseconds().unwrap_or(0) as f64 / 1000.0
}

fn frames(session: &str, audio: bool) -> Vec<Message> {
    if !audio {
        let msg = json!({"type": "utterance", "session_id": session, "text": TEXT});
        return vec![Message::Text(msg.to_string().into())];
    }
    let start = json!({"type": "audio.start", "session_id": session, "format": "pcm_s16le", "sample_rate": 16000});
    let mut f = vec![Message::Text(start.to_string().into())];
    f.extend((0..4).map(|_| Message::Binary(vec![0u8; 2048].into())));
    f.push(Message::Text(
        json!({"type": "audio.end"}).to_string().into(),
    ));
    f
}

/// Says one utterance (text offline, PCM audio with `audio`) and waits for its job's
/// terminal event; the total is timed from `from`. Anything but `succeeded` within
/// [`TURN_TIMEOUT`] is an error.
pub async fn turn(ws: &mut Ws, session: &str, audio: bool, from: Instant) -> Result<Turn, String> {
    let sent = Utc::now();
    let events = tokio::time::timeout(TURN_TIMEOUT, say(ws, session, audio))
        .await
        .map_err(|_| format!("no terminal event within {} s", TURN_TIMEOUT.as_secs()))??;
    let total = from.elapsed().as_secs_f64() * 1000.0;
    Ok(Turn {
        total,
        parts: breakdown(sent, &events),
    })
}

/// An event of the followed job: kind, step name (if any), timestamp.
type Event = (String, String, DateTime<Utc>);

async fn say(ws: &mut Ws, session: &str, audio: bool) -> Result<Vec<Event>, String> {
    for frame in frames(session, audio) {
        ws.send(frame).await.map_err(|e| format!("send: {e}"))?;
    }
    let accepted = next_json(ws).await?;
    if accepted["type"] != "utterance_accepted" {
        return Err(format!("not accepted: {accepted}"));
    }
    let mut events = Vec::new();
    loop {
        let f = next_json(ws).await?;
        if f["type"] != "event" || f["job_id"] != accepted["job_id"] {
            continue;
        }
        let kind = f["kind"].as_str().unwrap_or_default().to_string();
        let step = f["data"]["step"].as_str().unwrap_or_default().to_string();
        let ts: DateTime<Utc> =
            serde_json::from_value(f["ts"].clone()).map_err(|e| format!("bad ts: {e}"))?;
        events.push((kind.clone(), step, ts));
        match kind.as_str() {
            "succeeded" => return Ok(events),
            "failed" | "dead" | "cancelled" => return Err(format!("job {kind}: {f}")),
            _ => {}
        }
    }
}

/// Splits a turn by its events: enqueue (send → `accepted`), queue wait (→ first
/// `step.started`), each step, the gaps between steps, finish (last step →
/// `succeeded`) and to_client (`succeeded` → received).
fn breakdown(sent: DateTime<Utc>, events: &[Event]) -> HashMap<String, f64> {
    let mut parts = HashMap::new();
    let at = |k: &str| events.iter().find(|e| e.0 == k).map(|e| e.2);
    let (Some(accepted), Some(first), Some(done)) =
        (at("accepted"), at("step.started"), at("succeeded"))
    else {
        return parts;
    };
    parts.insert("enqueue".into(), ms(sent, accepted));
    parts.insert("queue_wait".into(), ms(accepted, first));
    parts.insert("to_client".into(), ms(done, Utc::now()));
    let (mut started, mut last_end, mut gaps) = (first, None, 0.0);
    for (kind, step, ts) in events {
        match kind.as_str() {
            "step.started" => {
                if let Some(end) = last_end {
                    gaps += ms(end, *ts);
                }
                started = *ts;
            }
            "step.succeeded" => {
                parts.insert(format!("step_{step}"), ms(started, *ts));
                last_end = Some(*ts);
            }
            _ => {}
        }
    }
    parts.insert("transitions".into(), gaps);
    parts.insert("finish".into(), ms(last_end.unwrap_or(first), done));
    parts
}
