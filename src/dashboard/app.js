// Execora job dashboard: vanilla JavaScript, no build step, no third-party code.
//
// The access token lives in memory and sessionStorage (per tab, gone when the tab
// closes), never in a URL. The WebSocket authenticates with the `execora.v1` subprotocol
// plus the token, `watch`es every job event of the business (new jobs appear live) and
// `subscribe`s to the job on display to replay its history. Everything the server sends
// is written with textContent, never parsed as HTML.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = {
  access: sessionStorage.getItem("execora.access"),
  refresh: sessionStorage.getItem("execora.refresh"),
  ws: null,
  detailId: null, // the job shown in the detail panel
  detailLast: 0, // the last event id shown for it
  detailEvents: [], // its events so far, for the timeline (ops.js)
  voiceJobs: new Set(),
  voiceSession: "dash-" + Math.random().toString(36).slice(2, 10),
  timers: [],
  refreshPending: null,
};

// HTTP.

async function api(method, path, body, retried) {
  const headers = { Accept: "application/json" };
  if (state.access) headers.Authorization = `Bearer ${state.access}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (resp.status === 401 && !retried && state.refresh && (await refreshTokens())) {
    return api(method, path, body, true);
  }
  const data = resp.status === 204 ? null : await resp.json().catch(() => null);
  if (!resp.ok) {
    const code = data?.code ?? "http_" + resp.status;
    throw Object.assign(new Error(`${code}: ${data?.message ?? resp.statusText}`), { status: resp.status, code });
  }
  return data;
}

function keepTokens(pair) {
  state.access = pair.access_token;
  state.refresh = pair.refresh_token;
  sessionStorage.setItem("execora.access", state.access);
  sessionStorage.setItem("execora.refresh", state.refresh);
  // Renew before expiry so the socket (closed with 4401 at expiry) lives on.
  clearTimeout(state.renewTimer);
  state.renewTimer = setTimeout(refreshTokens, Math.max(10, pair.expires_in * 0.8) * 1000);
}

async function refreshTokens() {
  try {
    keepTokens(await api("POST", "/api/v1/auth/refresh", { refresh_token: state.refresh }, true));
    send({ type: "auth", token: state.access });
    return true;
  } catch {
    logout("Your session ended; log in again.");
    return false;
  }
}

// Small DOM helpers.

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function row(cells) {
  const tr = el("tr");
  for (const c of cells) {
    const td = el("td");
    td.append(c instanceof Node ? c : String(c ?? ""));
    tr.append(td);
  }
  return tr;
}

const shortId = (id) => id.slice(-8);
const when = (ts) => (ts ? new Date(ts).toLocaleString() : "");

function notice(text) {
  const n = $("#notice");
  n.textContent = text || "";
  n.hidden = !text;
}

function button(label, action) {
  const b = el("button", label);
  b.type = "button";
  b.onclick = () => action(b);
  return b;
}

// Retry for failed and dead jobs, Cancel for ones that have not run or wait to retry.
function actions(job) {
  const span = el("span", null, "actions");
  const run = (verb) => async (b) => {
    b.disabled = true;
    try {
      await api("POST", `/api/v1/jobs/${job.id}/${verb}`);
      notice("");
      scheduleRefresh();
    } catch (e) {
      notice(`${verb} failed: ${e.message}`);
      b.disabled = false;
    }
  };
  if (job.state === "failed" || job.state === "dead") span.append(button("Retry", run("retry")));
  if (job.state === "queued" || job.state === "retrying") span.append(button("Cancel", run("cancel")));
  return span;
}

function jobLink(job) {
  const a = el("a", shortId(job.id));
  a.href = "#" + job.id;
  a.title = job.id;
  a.onclick = (ev) => (ev.preventDefault(), showJob(job.id));
  return a;
}

// Views.

async function loadQueues() {
  const { items } = await api("GET", "/api/v1/queues");
  const body = $("#queues tbody");
  body.replaceChildren(...items.map((q) => row([q.workflow, q.waiting, q.scheduled, q.running,
    Math.round(q.oldest_age_secs), q.finished_last_5m, q.finished_last_60m, q.failed, q.dead, pauseCell(q)])));
  const select = $("#filters [name=workflow]");
  if (select.options.length === 1) {
    for (const q of items) select.append(new Option(q.workflow, q.workflow));
  }
}

async function loadJobs() {
  const f = new FormData($("#filters"));
  const query = new URLSearchParams({ limit: "50" });
  for (const k of ["workflow", "state"]) if (f.get(k)) query.set(k, f.get(k));
  const { items } = await api("GET", "/api/v1/jobs?" + query);
  $("#jobs tbody").replaceChildren(...items.map((j) => jobRow(j, when(j.created_at))));
}

// A job's row: link, workflow, state, attempts, one more column, and its buttons.
function jobRow(j, extra) {
  const tr = row([jobLink(j), j.workflow, el("span", j.state, "state " + j.state), j.attempts, extra, actions(j)]);
  tr.dataset.job = j.id;
  return tr;
}

async function showJob(id) {
  if (state.detailId && state.detailId !== id) send({ type: "unsubscribe", job_id: state.detailId });
  const fresh = state.detailId !== id;
  state.detailId = id;
  if (fresh) {
    state.detailLast = 0;
    state.detailEvents = [];
    $("#detail-events").replaceChildren();
    drawTimeline();
  }
  $("#detail").hidden = false;
  $("#detail-id").textContent = id;
  await loadDetail();
  // Replays every event after the last one shown, then follows live.
  send({ type: "subscribe", job_id: id, after: state.detailLast });
}

async function loadDetail() {
  const job = await api("GET", `/api/v1/jobs/${state.detailId}`);
  const dl = $("#detail-summary");
  dl.replaceChildren();
  for (const [k, v] of [["workflow", job.workflow], ["state", job.state], ["attempts", job.attempts],
    ["step", job.step_index], ["created", when(job.created_at)], ["started", when(job.started_at)],
    ["finished", when(job.finished_at)], ["next attempt", when(job.next_attempt_at)]]) {
    dl.append(el("dt", k), el("dd", v));
  }
  const dd = el("dd");
  dd.append(actions(job));
  dl.append(el("dt", "actions"), dd);
  $("#detail-errors tbody").replaceChildren(...job.errors.map((e) => row([e.attempt, e.step, e.error, e.transient ? "yes" : "no", when(e.at)])));
  $("#detail-result").textContent = job.result == null ? "" : JSON.stringify(job.result, null, 2);
}

function eventItem(ev) {
  const li = el("li");
  li.append(el("b", ev.kind), " ", el("time", when(ev.ts)));
  if (ev.data && Object.keys(ev.data).length) {
    const audio = ev.data.audio_base64;
    const shown = audio ? { ...ev.data, audio_base64: `(${ev.data.bytes} bytes)` } : ev.data;
    li.append(" ", el("code", JSON.stringify(shown)));
    if (audio) li.append(player(audio, ev.data.content_type));
  }
  return li;
}

function player(b64, type) {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const audio = el("audio");
  audio.controls = true;
  audio.src = URL.createObjectURL(new Blob([bytes], { type: type || "audio/wav" }));
  return audio;
}

// Reloads the lists at most every 300 ms, however many events arrive.
function scheduleRefresh() {
  if (state.refreshPending) return;
  state.refreshPending = setTimeout(async () => {
    state.refreshPending = null;
    await Promise.all([loadJobs(), loadDead(), loadQueues(), state.detailId ? loadDetail() : null])
      .catch((e) => notice(e.message));
  }, 300);
}

// WebSocket.

function send(msg) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(msg));
}

function connect() {
  const url = location.origin.replace(/^http/, "ws") + "/ws";
  const ws = new WebSocket(url, ["execora.v1", state.access]);
  state.ws = ws;
  ws.binaryType = "arraybuffer";
  ws.onopen = () => {
    setLive(true);
    send({ type: "watch" });
    if (state.detailId) send({ type: "subscribe", job_id: state.detailId, after: state.detailLast });
    scheduleRefresh(); // whatever happened while disconnected
  };
  ws.onmessage = (m) => onMessage(JSON.parse(m.data));
  ws.onclose = () => {
    setLive(false);
    if (state.ws === ws && state.access) setTimeout(() => state.access && connect(), 2000);
  };
}

function setLive(on) {
  const live = $("#live");
  live.textContent = on ? "live" : "offline";
  live.className = "pill " + (on ? "on" : "off");
}

function onMessage(msg) {
  if (msg.type === "event") {
    // Only the next event: a `watch` event that overtakes the subscription's replay is
    // dropped here and arrives again, in order, from the replay.
    if (msg.job_id === state.detailId && msg.id === state.detailLast + 1) {
      state.detailLast = msg.id;
      state.detailEvents.push(msg);
      $("#detail-events").append(eventItem(msg));
      drawTimeline();
    }
    if (state.voiceJobs.has(msg.job_id)) $("#voice-events").append(eventItem(msg));
    scheduleRefresh();
  } else if (msg.type === "utterance_accepted") {
    state.voiceJobs.add(msg.job_id);
    $("#voice-events").append(el("li", `voice job ${msg.job_id} accepted`, "accepted"));
  } else if (msg.type === "error") {
    const target = msg.code === "not_found" ? notice : (t) => $("#voice-events").append(el("li", t, "error"));
    target(`${msg.code}: ${msg.message}`);
  }
}

// Voice console.

function sendUtterance(ev) {
  ev.preventDefault();
  const input = ev.target.elements.text;
  const text = input.value.trim();
  if (!text) return;
  $("#voice-events").append(el("li", `you: ${text}`, "mine"));
  send({ type: "utterance", session_id: state.voiceSession, text });
  input.value = "";
}

// Records with MediaRecorder (webm/opus) and sends audio.start, the bytes in pieces
// under the server's frame limit, then audio.end.
async function toggleRecording() {
  const b = $("#record");
  if (state.recorder) {
    state.recorder.stop();
    return;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const chunks = [];
    const rec = new MediaRecorder(stream, { mimeType: "audio/webm;codecs=opus" });
    rec.ondataavailable = (e) => chunks.push(e.data);
    rec.onstop = async () => {
      stream.getTracks().forEach((t) => t.stop());
      state.recorder = null;
      b.textContent = "Record";
      const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
      send({ type: "audio.start", session_id: state.voiceSession, format: "webm_opus" });
      for (let i = 0; i < bytes.length; i += 65536) state.ws?.send(bytes.slice(i, i + 65536));
      send({ type: "audio.end" });
      $("#voice-events").append(el("li", `you: (recording, ${bytes.length} bytes)`, "mine"));
    };
    rec.start();
    state.recorder = rec;
    b.textContent = "Stop";
  } catch (e) {
    notice(`recording unavailable: ${e.message}`);
  }
}

// Login and start.

async function login(ev) {
  ev.preventDefault();
  const f = new FormData(ev.target);
  $("#login-error").textContent = "";
  try {
    const pair = await api("POST", "/api/v1/auth/login", { email: f.get("email"), password: f.get("password") });
    keepTokens(pair);
    ev.target.reset();
    await start();
  } catch (e) {
    $("#login-error").textContent = e.status === 401 ? "Wrong email or password." : e.message;
  }
}

// Sign-up creates the business and its owner and answers with the owner's tokens.
async function signUp(ev) {
  ev.preventDefault();
  const body = Object.fromEntries(new FormData(ev.target));
  $("#signup-error").textContent = "";
  try {
    keepTokens((await api("POST", "/api/v1/businesses", body)).tokens);
    ev.target.reset();
    await start();
  } catch (e) {
    $("#signup-error").textContent = e.code === "email_taken" ? "That email is already registered; log in instead." : e.message;
  }
}

async function start() {
  try {
    await loadQueues(); // owners and managers only: a staff token gets 403 here
  } catch (e) {
    if (e.status === 403) return logout("This dashboard is for owners and managers; your account is staff.");
    if (e.status === 401) return logout("Please log in.");
    return notice(e.message);
  }
  $("#login").hidden = $("#signup").hidden = true;
  $("#app").hidden = false;
  $("#logout").hidden = false;
  notice("");
  connect();
  await Promise.all([loadJobs(), loadDead(), loadHistory()]).catch((e) => notice(e.message));
  state.timers.push(setInterval(() => Promise.all([loadQueues(), loadHistory()]).catch((e) => notice(e.message)), 5000));
}

function logout(message) {
  const refresh = state.refresh;
  Object.assign(state, { access: null, refresh: null, detailId: null });
  sessionStorage.removeItem("execora.access");
  sessionStorage.removeItem("execora.refresh");
  if (refresh) fetch("/api/v1/auth/logout", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: refresh }) }).catch(() => {});
  state.timers.forEach(clearInterval);
  state.timers = [];
  clearTimeout(state.renewTimer);
  const ws = state.ws;
  state.ws = null;
  ws?.close();
  $("#app").hidden = true;
  $("#detail").hidden = true;
  $("#logout").hidden = true;
  $("#login").hidden = $("#signup").hidden = false;
  notice(message || "");
}

document.addEventListener("DOMContentLoaded", () => {
  $("#login").addEventListener("submit", login);
  $("#signup").addEventListener("submit", signUp);
  startOps();
  $("#logout").addEventListener("click", () => logout());
  $("#filters").addEventListener("change", () => loadJobs().catch((e) => notice(e.message)));
  $("#detail-close").addEventListener("click", () => {
    send({ type: "unsubscribe", job_id: state.detailId });
    state.detailId = null;
    $("#detail").hidden = true;
  });
  $("#voice").addEventListener("submit", sendUtterance);
  $("#record").addEventListener("click", toggleRecording);
  if (state.access) start();
});
