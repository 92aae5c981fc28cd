// The dashboard end to end, in headless Chromium (run by scripts/browser-test).
//
// An owner signs up through the API and logs in through the page; a job enqueued
// through the API appears live (the jobs list reloads only on WebSocket events); a
// dead probe job is retried with the dead-letter table's button and runs again; a
// typed utterance streams its voice events; a staff token is turned away; a business
// signs up through the page's form; a job's timeline, finding a job by id, the last
// hour's chart, bulk actions on dead letters, pausing and resuming a queue.
// Screenshots: dashboard.png, dashboard-timeline.png and dashboard-paused.png. No page error or CSP violation may occur.
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { join } from "node:path";
import { execFileSync } from "node:child_process";

const base = process.env.EXECORA_URL;
const require = createRequire(join(process.env.EXECORA_BROWSER_DEPS, "package.json"));
const { chromium } = require("playwright-core");

async function call(method, path, token, body) {
  const resp = await fetch(base + path, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await resp.json();
  assert.ok(resp.ok, `${method} ${path}: ${resp.status} ${JSON.stringify(data)}`);
  return data;
}

const step = (name) => console.error(`  - ${name}`);
const email = `owner-${Date.now()}@browser.example`;
const password = "correct horse battery";
const signedUp = await call("POST", "/api/v1/businesses", null, {
  business_name: "Browser Kirana",
  owner_name: "Asha Verma",
  owner_email: email,
  password,
});
const token = signedUp.tokens.access_token;

const browser = await chromium.launch({
  executablePath: process.env.EXECORA_CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-background-networking"],
});
const problems = [];
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });

  step("the page and its assets load under the strict CSP");
  const resp = await page.goto(base + "/dashboard");
  assert.equal(resp.status(), 200);
  assert.match(resp.headers()["content-security-policy"], /script-src 'self';/);

  step("log in");
  await page.fill("#login [name=email]", email);
  await page.fill("#login [name=password]", password);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#app:not([hidden])");
  await page.waitForSelector("#live.on");
  await page.waitForSelector("#queues tbody tr >> text=probe");
  assert.equal(page.url(), base + "/dashboard", "nothing is put in the URL");

  step("a job enqueued elsewhere appears live");
  const job = await call("POST", "/api/v1/probes", token, {});
  await page.waitForSelector(`#jobs tr[data-job="${job.id}"] >> text=succeeded`);

  step("a dead job is retried from the dead letters");
  const dead = await call("POST", "/api/v1/probes", token, { always_fail: true });
  const deadRow = `#dead tr[data-job="${dead.id}"]`;
  await page.waitForSelector(`${deadRow} >> text=dead`);
  assert.equal(await page.textContent(`${deadRow} td:nth-child(5)`), "3");
  await page.click(`${deadRow} button:has-text("Retry")`);
  // It runs again: three more attempts, all shown as they happen, then dead again.
  await page.waitForFunction(
    (sel) => document.querySelector(sel)?.textContent === "6",
    `${deadRow} td:nth-child(5)`,
  );
  const again = await call("GET", `/api/v1/jobs/${dead.id}`, token);
  assert.equal(again.attempts, 6);

  step("the job detail replays its events");
  await page.click(`${deadRow} a`);
  await page.waitForSelector("#detail:not([hidden])");
  await page.waitForFunction(() => document.querySelectorAll("#detail-events li").length >= 10);
  const kinds = await page.$$eval("#detail-events li b", (bs) => bs.map((b) => b.textContent));
  assert.equal(kinds[0], "accepted");
  assert.equal(kinds.filter((k) => k === "dead").length, 2, kinds.join(","));
  assert.equal(await page.locator("#detail-errors tbody tr").count(), 6);

  step("its timeline has a bar per attempt, the waits between them, the error on hover");
  await page.waitForFunction(() => document.querySelectorAll("#timeline rect.tl-failed").length === 6);
  assert.ok((await page.locator("#timeline rect.tl-wait").count()) >= 4);
  const hover = await page.textContent("#timeline rect.tl-failed title");
  assert.match(hover, /attempt 1: \d+ ms, failed — probe failure on attempt 1/);
  await page.locator("#detail").screenshot({ path: join(process.env.EXECORA_ARTIFACTS, "dashboard-timeline.png") });

  step("a job is found by its id");
  await page.click("#detail-close");
  await page.fill("#find [name=id]", job.id);
  await page.click("#find button[type=submit]");
  await page.waitForSelector(`#detail-id >> text=${job.id}`);
  await page.waitForSelector("#timeline rect.tl-ok");

  step("the last hour's chart shows the probe's successes and failures");
  await page.waitForSelector("#history svg[data-workflow=probe] rect.tp-ok", { state: "attached" });
  await page.waitForSelector("#history svg[data-workflow=probe] rect.tp-failed", { state: "attached" });

  step("dead letters: cancel selected and retry all, each confirmed with its count");
  const more = [];
  for (let i = 0; i < 2; i++) more.push(await call("POST", "/api/v1/probes", token, { permanent: true }));
  for (const j of more) await page.waitForSelector(`#dead tr[data-job="${j.id}"] >> text=failed`);
  for (const j of more) await page.check(`#dead tr[data-job="${j.id}"] input[type=checkbox]`);
  await page.click("#dead-cancel");
  await page.waitForSelector("#bulk-confirm >> text=Cancel 2 jobs?");
  await page.click("#bulk-confirm button:has-text('Confirm')");
  for (const j of more) {
    await page.waitForSelector(`#dead tr[data-job="${j.id}"]`, { state: "detached" });
    assert.equal((await call("GET", `/api/v1/jobs/${j.id}`, token)).state, "cancelled");
  }
  await page.waitForSelector(`${deadRow} >> text=dead`);
  const deadCount = await page.locator("#dead tbody tr").count();
  await page.click("#dead-retry-all");
  await page.waitForSelector(`#bulk-confirm >> text=Retry ${deadCount} job${deadCount === 1 ? "" : "s"}?`);
  await page.click("#bulk-confirm button:has-text('Confirm')");
  await page.waitForFunction(
    (sel) => document.querySelector(sel)?.textContent === "9",
    `${deadRow} td:nth-child(5)`,
  );

  step("an owner pauses a queue (its jobs wait) and resumes it");
  const probeState = '#queues span.actions[data-workflow="probe"]';
  await page.click(`${probeState} button:has-text("Pause")`);
  await page.waitForSelector(`${probeState} >> text=paused`);
  await new Promise((r) => setTimeout(r, 1500)); // workers read the state once a second
  const held = await call("POST", "/api/v1/probes", token, {});
  await new Promise((r) => setTimeout(r, 2000)); // nothing to await: it must not start
  assert.equal((await call("GET", `/api/v1/jobs/${held.id}`, token)).state, "queued");
  await page.screenshot({ path: join(process.env.EXECORA_ARTIFACTS, "dashboard-paused.png"), fullPage: true });
  await page.click(`${probeState} button:has-text("Resume")`);
  await page.waitForSelector(`${probeState} >> text=running`);
  await page.waitForSelector(`#jobs tr[data-job="${held.id}"] >> text=succeeded`);

  step("a typed utterance streams its voice events");
  await page.fill("#voice [name=text]", "aaj ki bikri kitni hui");
  await page.click("#voice button[type=submit]");
  await page.waitForSelector("#voice-events li >> text=accepted");
  await page.waitForSelector("#voice-events li b >> text=/^(succeeded|failed|dead)$/");
  const voiceKinds = await page.$$eval("#voice-events li b", (bs) => bs.map((b) => b.textContent));
  assert.ok(voiceKinds.includes("transcript") && voiceKinds.includes("reply"), voiceKinds.join(","));

  await page.waitForSelector("#queues tbody tr >> text=voice");
  await page.screenshot({ path: join(process.env.EXECORA_ARTIFACTS, "dashboard.png"), fullPage: true });

  step("a staff member is refused with a message");
  // A staff token for the same user, signed with the server's development key.
  const staff = execFileSync(process.env.EXECORA_BIN, ["token", "--tenant", signedUp.business_id,
    "--user", signedUp.user.id, "--role", "staff"], { encoding: "utf8" }).trim();
  const other = await browser.newPage();
  other.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await other.goto(base + "/dashboard");
  await other.evaluate((t) => sessionStorage.setItem("execora.access", t), staff);
  await other.reload();
  await other.waitForSelector("#notice >> text=for owners and managers");
  assert.ok(await other.isVisible("#login") && !(await other.isVisible("#app")));

  step("a new business signs up on the page and lands on its dashboard");
  await other.fill("#signup [name=business_name]", "Page Kirana");
  await other.fill("#signup [name=owner_name]", "Ravi Page");
  await other.fill("#signup [name=owner_email]", `page-${Date.now()}@browser.example`);
  await other.fill("#signup [name=password]", password);
  await other.click("#signup button[type=submit]");
  await other.waitForSelector("#app:not([hidden])");
  assert.ok(!(await other.isVisible("#signup")));
  assert.deepEqual(problems, [], problems.join("\n"));
  console.error("dashboard: ok");
} finally {
  await browser.close();
}
