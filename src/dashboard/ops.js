// Execora job dashboard, operators' tools: bulk actions on dead letters, a job's
// timeline, finding a job by id, the last hour's throughput per workflow, and pausing
// a queue.
//
// Loaded after app.js and built on its helpers ($, api, el, row, notice, showJob,
// scheduleRefresh, state). Charts are SVG drawn here (no charting library, nothing from a
// CDN); sizes and colours come from attributes and app.css, never inline styles, so the
// page's Content-Security-Policy stays as it is.
"use strict";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, title) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (title) {
    const t = document.createElementNS(SVG, "title");
    t.textContent = title;
    e.append(t);
  }
  return e;
}

// Dead letters: a checkbox per row, retry all / retry selected / cancel selected, each
// confirmed on the page with the number of jobs it will act on.

async function loadDead() {
  const [dead, failed] = await Promise.all(["dead", "failed"].map((s) => api("GET", `/api/v1/jobs?state=${s}&limit=100`)));
  const items = [...dead.items, ...failed.items].sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  const kept = new Set(selectedDead());
  $("#dead tbody").replaceChildren(...items.map((j) => {
    const box = el("input");
    box.type = "checkbox";
    box.value = j.id;
    box.checked = kept.has(j.id);
    box.setAttribute("aria-label", "select job " + j.id);
    const tr = jobRow(j, j.errors.at(-1)?.error);
    tr.prepend(Object.assign(el("td"), { className: "pick" }));
    tr.firstChild.append(box);
    return tr;
  }));
  $("#dead-all").checked = false;
  $("#dead-count").textContent = `${items.length} dead letter${items.length === 1 ? "" : "s"}`;
}

const selectedDead = () => [...document.querySelectorAll("#dead tbody input:checked")].map((b) => b.value);
const allDead = () => [...document.querySelectorAll("#dead tbody input")].map((b) => b.value);

// Asks on the page (not a blocking dialog) and runs `verb` on `ids` once confirmed.
function confirmBulk(verb, ids) {
  const box = $("#bulk-confirm");
  if (!ids.length) return notice(`Select the jobs to ${verb} first.`);
  box.replaceChildren(el("span", `${verb === "retry" ? "Retry" : "Cancel"} ${ids.length} job${ids.length === 1 ? "" : "s"}?`));
  box.append(button("Confirm", () => runBulk(verb, ids)), button("Keep them", () => (box.hidden = true)));
  box.hidden = false;
}

async function runBulk(verb, ids) {
  const box = $("#bulk-confirm");
  box.hidden = true;
  const results = await Promise.allSettled(ids.map((id) => api("POST", `/api/v1/jobs/${id}/${verb}`)));
  const failed = results.filter((r) => r.status === "rejected");
  notice(failed.length ? `${verb}: ${ids.length - failed.length} done, ${failed.length} refused (${failed[0].reason.message})` : "");
  scheduleRefresh();
}

// A job's timeline: each step attempt as a bar on a time axis (green when it succeeded,
// red when it failed, with the error on hover), the waits before retries in grey.

function spans(events) {
  const bars = [];
  const open = new Map();
  let waitFrom = null;
  for (const ev of events) {
    const t = Date.parse(ev.ts);
    const d = ev.data || {};
    if (ev.kind === "step.started") {
      if (waitFrom !== null) bars.push({ step: d.step, kind: "wait", from: waitFrom, to: t });
      waitFrom = null;
      open.set(d.step, { step: d.step, attempt: d.attempt, from: t });
    } else if (ev.kind === "step.succeeded" || ev.kind === "step.failed") {
      const bar = open.get(d.step);
      if (!bar) continue;
      open.delete(d.step);
      bars.push({ ...bar, to: t, kind: ev.kind === "step.succeeded" ? "ok" : "failed", error: d.error });
    } else if (ev.kind === "retrying") {
      waitFrom = t;
    }
  }
  const now = Date.now();
  for (const bar of open.values()) bars.push({ ...bar, to: now, kind: "running" });
  return bars;
}

function drawTimeline() {
  const chart = $("#timeline");
  const bars = spans(state.detailEvents || []);
  if (!bars.length) return chart.replaceChildren(el("span", "No step has run yet (step events are kept for an hour).", "muted"));
  const steps = [...new Set(bars.map((b) => b.step))];
  const t0 = Math.min(...bars.map((b) => b.from));
  const total = Math.max(1, Math.max(...bars.map((b) => b.to)) - t0);
  const [width, lane, left] = [640, 22, 90];
  const scale = (t) => left + ((t - t0) / total) * (width - left - 10);
  const root = svg("svg", { width, height: steps.length * lane + 20, viewBox: `0 0 ${width} ${steps.length * lane + 20}`, role: "img" });
  steps.forEach((s, i) => root.append(Object.assign(svg("text", { x: 0, y: i * lane + 15, class: "tl-label" }), { textContent: s })));
  for (const b of bars) {
    const ms = Math.round(b.to - b.from);
    const what = b.kind === "wait" ? `waited ${ms} ms before retrying ${b.step}` :
      `${b.step}, attempt ${b.attempt}: ${ms} ms, ${b.kind}${b.error ? ` — ${b.error}` : ""}`;
    const y = steps.indexOf(b.step) * lane + (b.kind === "wait" ? 9 : 3);
    root.append(svg("rect", { x: scale(b.from), y, width: Math.max(2, scale(b.to) - scale(b.from)),
      height: b.kind === "wait" ? 4 : 16, class: "tl-" + b.kind, "data-attempt": b.attempt ?? "" }, what));
  }
  const axis = steps.length * lane + 16;
  root.append(Object.assign(svg("text", { x: left, y: axis, class: "tl-axis" }), { textContent: "0 ms" }),
    Object.assign(svg("text", { x: width - 10, y: axis, class: "tl-axis", "text-anchor": "end" }), { textContent: `${Math.round(total)} ms` }));
  chart.replaceChildren(root);
}

// A queue's state and its Pause / Resume button (owners only: a manager's click is
// answered 403 and shown as a notice). A pause holds the workflow for the whole server.
function pauseCell(q) {
  const span = el("span", null, "actions");
  span.dataset.workflow = q.workflow;
  span.append(el("span", q.paused ? "paused" : "running", "state " + (q.paused ? "paused" : "active")), " ");
  const verb = q.paused ? "resume" : "pause";
  span.append(button(q.paused ? "Resume" : "Pause", async (b) => {
    b.disabled = true;
    try {
      await api("POST", `/api/v1/queues/${encodeURIComponent(q.workflow)}/${verb}`);
      notice("");
      await loadQueues();
    } catch (e) {
      notice(`${verb} failed: ${e.message}`);
      b.disabled = false;
    }
  }));
  return span;
}

// Finding a job by id (the full id, as the API and the logs print it).
function findJob(ev) {
  ev.preventDefault();
  const id = ev.target.elements.id.value.trim();
  if (!/^[0-9a-f-]{36}$/i.test(id)) return notice("A job id looks like 0190f0e4-…: 36 characters.");
  showJob(id).catch((e) => {
    $("#detail").hidden = true;
    state.detailId = null;
    notice(e.status === 404 ? `No job ${id} in this business.` : e.message);
  });
}

// The last hour per workflow: a bar per minute, succeeded (green) under failed (red).

async function loadHistory() {
  const h = await api("GET", "/api/v1/queues/history");
  const rows = h.items.map((w) => {
    const peak = Math.max(1, ...w.succeeded.map((s, i) => s + w.failed[i]));
    const [width, height] = [h.minutes * 5, 40];
    const chart = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "data-workflow": w.workflow });
    w.succeeded.forEach((ok, i) => {
      const bad = w.failed[i];
      const at = new Date(Date.parse(h.since) + i * 60000).toLocaleTimeString();
      const hOk = (ok / peak) * height;
      const hBad = (bad / peak) * height;
      if (ok) chart.append(svg("rect", { x: i * 5, y: height - hOk, width: 4, height: hOk, class: "tp-ok" }, `${at}: ${ok} succeeded`));
      if (bad) chart.append(svg("rect", { x: i * 5, y: height - hOk - hBad, width: 4, height: hBad, class: "tp-failed" }, `${at}: ${bad} failed or dead`));
    });
    const sum = (xs) => xs.reduce((a, b) => a + b, 0);
    return row([w.workflow, chart, sum(w.succeeded), sum(w.failed)]);
  });
  $("#history tbody").replaceChildren(...rows);
}

function startOps() {
  $("#dead-all").onchange = (ev) => document.querySelectorAll("#dead tbody input").forEach((b) => (b.checked = ev.target.checked));
  $("#dead-retry-all").onclick = () => confirmBulk("retry", allDead());
  $("#dead-retry").onclick = () => confirmBulk("retry", selectedDead());
  $("#dead-cancel").onclick = () => confirmBulk("cancel", selectedDead());
  $("#find").addEventListener("submit", findJob);
}
