/*
 * The wallboard in a real browser (Debian's headless Chromium, driven by
 * playwright-core), against the real daemon: the page shows the queues
 * and calls the daemon has, an alert appears within a second of its
 * line, the timers tick, Ack works for a supervisor's token and is
 * refused for a viewer's, and the page recovers after the daemon
 * restarts.  A screenshot goes to $CW_OUT/wallboard.png.
 *
 *	CW_BUILD=build CW_OUT=build/tests/logs node tests/browser/wallboard.mjs
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync, mkdirSync }
  from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const build = resolve(process.env.CW_BUILD || "build");
const out = resolve(process.env.CW_OUT || join(build, "tests", "logs"));
const chromiumPath = process.env.CW_CHROMIUM || "/usr/bin/chromium";
const dir = mkdtempSync(join(tmpdir(), "cwweb-"));
const conf = join(dir, "callwatch.yaml");
const log = join(dir, "daemon.log");
let daemon = null, browser = null, failed = false;

function step(what) { console.log("wallboard: " + what); }

function fail(what) {
  const e = new Error(what);
  e.wallboard = true;
  throw e;
}

function check(ok, what) { if (!ok) fail(what); }

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

async function startDaemon() {
  daemon = spawn(join(build, "callwatchd"), ["-c", conf],
      { stdio: ["ignore", "ignore", "pipe"] });
  daemon.stderr.on("data", (d) => writeFileSync(log, d, { flag: "a" }));
  const end = Date.now() + 15000;
  while (Date.now() < end) {
    try {
      const r = await fetch(base + "/healthz");
      if (r.status === 200) return;
    } catch (e) { /* not yet */ }
    await sleep(100);
  }
  fail("the daemon did not come up (see " + log + ")");
}

async function stopDaemon() {
  if (daemon === null) return;
  const d = daemon;
  daemon = null;
  const gone = new Promise((r) => d.once("exit", r));
  d.kill("SIGTERM");
  await gone;
}

/* Push events (callwatch JSON objects) with `callwatch send`. */
function send(events) {
  const f = join(dir, "events.jsonl");
  writeFileSync(f, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  const r = spawnSync(join(build, "callwatch"), ["-c", conf, "send", f],
      { encoding: "utf8" });
  check(r.status === 0, "callwatch send: " + r.stdout + r.stderr);
}

const now = () => Date.now() / 1000;
let base;

async function signIn(page, token) {
  await page.goto(base + "/");
  await page.waitForSelector("#login[open]", { timeout: 10000 });
  await page.fill("#token", token);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#link[data-state=live]", { timeout: 10000 });
}

async function main() {
  const [feed, pub, ctl, http] = await Promise.all([freePort(), freePort(),
      freePort(), freePort()]);
  base = "http://127.0.0.1:" + http;
  const sup = "sup-" + "x".repeat(24), viewer = "view-" + "y".repeat(24);
  writeFileSync(join(dir, "sup.token"), sup + "\n", { mode: 0o600 });
  writeFileSync(join(dir, "viewer.token"), viewer + "\n", { mode: 0o600 });
  writeFileSync(conf, [
    "daemon: {clock: wall, state_file: \"" + join(dir, "state") + "\"}",
    "feeds: [{name: main, endpoint: \"tcp://127.0.0.1:" + feed + "\"}]",
    "publish: {endpoint: \"tcp://127.0.0.1:" + pub + "\", stats_interval: 1s}",
    "control: {endpoint: \"tcp://127.0.0.1:" + ctl + "\"}",
    "http: {listen: \"127.0.0.1:" + http + "\"}",
    "defaults: {normal: [20s, 40s]}",
    "queues: {billing: {normal: [2s, 4s]}}",
    "security:",
    "  tokens:",
    "    - {name: sam, token_file: " + join(dir, "sup.token") +
        ", role: supervisor}",
    "    - {name: val, token_file: " + join(dir, "viewer.token") +
        ", role: viewer}",
    "",
  ].join("\n"));
  await startDaemon();
  step("daemon up at " + base);

  /* The floor: a long billing call, a call in sales, a caller waiting. */
  const t0 = now();
  send([
    { type: "answered", call_id: "bill-1", ts: t0, answered_at: t0 - 30,
      queue: "billing", agent: "ann", caller: "+15550101" },
    { type: "answered", call_id: "sales-1", ts: t0, answered_at: t0 - 5,
      queue: "sales", agent: "bob", caller: "+15550102" },
    { type: "queued", call_id: "sales-2", ts: t0, queue: "sales",
      caller: "+15550103" },
  ]);

  /* Without a token the API says so. */
  const anon = await fetch(base + "/api/snapshot");
  check(anon.status === 401, "/api/snapshot without a token: " + anon.status);

  browser = await chromium.launch({ executablePath: chromiumPath,
      args: ["--no-sandbox", "--disable-gpu"] });
  const ctx = await browser.newContext({ viewport: { width: 1920,
      height: 1080 } });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => { failed = true; console.log("page error: " +
      e.message); });
  await signIn(page, sup);
  step("signed in as the supervisor");

  /* The queues and the calls the daemon has. */
  await page.waitForSelector(".tile[data-queue=billing]");
  await page.waitForSelector(".tile[data-queue=sales]");
  const waiting = await page.textContent(".tile[data-queue=sales] .big");
  check(/^1\b/.test(waiting.trim()), "sales tile: " + waiting);
  await page.waitForSelector("#calls tr[data-call=bill-1]");
  check(await page.$("#calls tr[data-call=sales-1]") === null,
      "a call within its normal range is listed");
  check(await page.getAttribute("#calls tr[data-call=bill-1]", "class") ===
      "critical", "bill-1 is not coloured critical");
  step("queues and calls shown");

  /* Timers tick: two seconds more within five (a loaded machine may
   * render a tick late, never skip the count). */
  const cell = "#calls tr[data-call=bill-1] .handle";
  const secs = (s) => s.split(":").reduce((a, x) => a * 60 + Number(x), 0);
  const h1 = await page.textContent(cell);
  let h2 = h1;
  for (const end = Date.now() + 5000; Date.now() < end &&
      secs(h2) - secs(h1) < 2; await sleep(200))
    h2 = await page.textContent(cell);
  check(secs(h2) - secs(h1) >= 2, "the timer went " + h1 + " -> " + h2 +
      " in 5 s");
  step("timers tick: " + h1 + " -> " + h2);

  /* An alert within a second of its line: billing's first line is its
   * normal top, 4 s; bill-2 crosses it at t1 + 1. */
  const t1 = now();
  send([{ type: "answered", call_id: "bill-2", ts: t1, answered_at: t1 - 3,
      queue: "billing", agent: "cy", caller: "+15550104" }]);
  const line = (t1 + 1) * 1000;
  step("sent bill-2 in " + Math.round(now() * 1000 - t1 * 1000) + " ms");
  await page.waitForSelector("#alerts li[data-id='bill-2/long_call']",
      { timeout: 5000 });
  const seen = Date.now();
  check(seen - line < 1000, "the alert came " + (seen - line) +
      " ms after its line");
  step("alert shown " + (seen - line) + " ms after its line");

  /* Ack works for the supervisor. */
  await page.click("#alerts li[data-id='bill-1/long_call'] button.ack");
  await page.waitForSelector("#alerts li[data-id='bill-1/long_call']" +
      "[data-state=acked]", { timeout: 5000 });
  const acked = await page.textContent(
      "#alerts li[data-id='bill-1/long_call'] .what small");
  check(acked.includes("acked by sam"), "ack line: " + acked);
  step("ack by the supervisor");
  mkdirSync(out, { recursive: true });
  await page.screenshot({ path: join(out, "wallboard.png") });
  step("screenshot " + join(out, "wallboard.png"));

  /* A viewer gets no Ack button, and the API refuses it. */
  const vctx = await browser.newContext({ viewport: { width: 1366,
      height: 768 } });
  const vpage = await vctx.newPage();
  await signIn(vpage, viewer);
  await vpage.waitForSelector("#alerts li[data-id='bill-2/long_call']");
  check(await vpage.$("#alerts button.ack") === null,
      "the viewer is offered Ack");
  const refused = await vpage.evaluate(async (tok) => {
    const r = await fetch("/api/ack", { method: "POST", headers: {
      "Authorization": "Bearer " + tok, "Content-Type": "application/json" },
      body: JSON.stringify({ id: "bill-2/long_call" }) });
    return { status: r.status, body: await r.json() };
  }, viewer);
  check(refused.status === 403 && refused.body.error === "forbidden",
      "viewer ack: " + JSON.stringify(refused));
  await vctx.close();
  step("viewer refused");

  /* The daemon restarts: the page says so, then carries on. */
  await stopDaemon();
  await page.waitForSelector("#link[data-state=down]", { timeout: 5000 });
  step("daemon stopped; the page says " +
      await page.textContent("#link"));
  await startDaemon();
  await page.waitForSelector("#link[data-state=live]", { timeout: 10000 });
  const t2 = now();
  send([{ type: "answered", call_id: "bill-3", ts: t2, answered_at: t2 - 10,
      queue: "billing", agent: "di", caller: "+15550105" }]);
  await page.waitForSelector("#calls tr[data-call=bill-3]", { timeout: 5000 });
  await page.waitForSelector("#calls tr[data-call=bill-1]", { timeout: 5000 });
  step("recovered after the restart");
  check(!failed, "the page threw an error");
}

try {
  await main();
  console.log("wallboard: all checks passed");
} catch (e) {
  console.log("wallboard: FAILED: " + (e.wallboard ? e.message : e.stack));
  try { console.log(readFileSync(log, "utf8")); }
  catch (x) { /* no log */ }
  process.exitCode = 1;
} finally {
  if (browser !== null) await browser.close();
  await stopDaemon();
  rmSync(dir, { recursive: true, force: true });
}
