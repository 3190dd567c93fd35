/*
 * callwatch wallboard.  One EventSource on /events: a `snapshot` event
 * replaces everything, then every alert, call and stats object the daemon
 * publishes updates the page.  The browser reconnects by itself and sends
 * Last-Event-ID; the daemon answers with what was missed, or a new
 * snapshot.  Timers tick locally from the last figure received, so the
 * page never claims more than it knows: when the stream is down it says
 * so and greys out.
 */
"use strict";

const TOKEN_KEY = "callwatch-token";
const STREAM_MAX = 100;			/* alert rows kept */
const SEV_RANK = { info: 1, warning: 2, critical: 3 };
const TICKING = new Set(["talking", "on_hold", "wrapup"]);

const st = {
  calls: new Map(),	/* call_id -> {obj, at (ms, when received)} */
  alerts: new Map(),	/* id -> alert object (latest change) */
  order: [],		/* alert ids, newest change first */
  queues: new Map(),	/* queue -> stats object */
  who: { name: null, role: "admin", queues: [] },
  es: null,
  up: false,
  lastData: 0,		/* ms: last event or snapshot */
};

const $ = (id) => document.getElementById(id);

function token() { return sessionStorage.getItem(TOKEN_KEY); }

async function api(path, body) {
  const headers = { "Accept": "application/json" };
  const t = token();
  if (t) headers["Authorization"] = "Bearer " + t;
  const init = { headers, cache: "no-store" };
  if (body !== undefined) {
    init.method = "POST";
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  let j = null;
  try { j = await r.json(); } catch (e) { j = null; }
  return { status: r.status, body: j };
}

function pad(n) { return String(n).padStart(2, "0"); }

function hms(sec) {
  const d = new Date(sec * 1000);
  return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" +
      pad(d.getSeconds());
}

function dur(s) {
  if (s === null || s === undefined || !isFinite(s)) return "–";
  s = Math.max(0, Math.floor(s));
  const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
  return (h > 0 ? h + ":" + pad(m) : String(m)) + ":" + pad(s % 60);
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/* A call's handle time now: the last figure plus the time since. */
function handleNow(c) {
  const o = c.obj;
  if (o.handle_time === null || o.handle_time === undefined) return null;
  const since = TICKING.has(o.state) ? (Date.now() - c.at) / 1000 : 0;
  return o.handle_time + since;
}

function canAck(a) {
  const w = st.who;
  if (w.role !== "supervisor" && w.role !== "admin") return false;
  if (w.queues.length > 0 && !w.queues.includes(a.queue)) return false;
  return a.state === "firing" || a.state === "escalated";
}

function noteAlert(a) {
  st.alerts.set(a.id, a);
  st.order = [a.id].concat(st.order.filter((x) => x !== a.id));
  while (st.order.length > STREAM_MAX) st.alerts.delete(st.order.pop());
}

function applySnapshot(s) {
  st.calls.clear();
  st.alerts.clear();
  st.order = [];
  st.queues.clear();
  const now = Date.now();
  for (const c of s.calls || []) st.calls.set(c.call_id, { obj: c, at: now });
  for (const q of s.queues || []) st.queues.set(q.queue, q);
  const open = [...(s.alerts || [])];
  open.sort((a, b) => a.ts - b.ts);
  for (const a of open) noteAlert(a);
  renderAll();
}

function apply(o) {
  if (o.kind === "alert") {
    noteAlert(o);
    renderAlerts();
  } else if (o.kind === "call") {
    if (o.event === "ended" || o.state === "ended") st.calls.delete(o.call_id);
    else st.calls.set(o.call_id, { obj: o, at: Date.now() });
  } else if (o.kind === "stats") {
    st.queues.set(o.queue, o);
    renderQueues();
  }
}

function setLink(up, why) {
  st.up = up;
  const l = $("link");
  l.className = "link " + (up ? "up" : "down");
  l.dataset.state = up ? "live" : "down";
  l.textContent = up ? "live" : why;
  document.querySelector("main").classList.toggle("stale", !up);
}

function renderQueues() {
  const box = $("queues");
  box.textContent = "";
  const names = Array.from(st.queues.keys()).sort();
  for (const name of names) {
    const q = st.queues.get(name);
    const t = el("div", "tile");
    t.dataset.queue = name;
    if (q.longest_wait >= 180) t.classList.add("critical");
    else if (q.longest_wait >= 60) t.classList.add("warning");
    t.append(el("h3", null, name));
    const big = el("div", "big", String(q.waiting));
    big.append(el("small", null, " waiting"));
    t.append(big);
    const dl = el("dl");
    const row = (k, v) => { dl.append(el("dt", null, k), el("dd", null, v)); };
    row("longest wait", dur(q.longest_wait));
    row("service level", q.service_level === null ? "–" :
        Math.round(q.service_level * 100) + "%");
    row("AHT", dur(q.aht));
    row("over normal", String(q.over_normal));
    row("talking", String(q.talking + q.on_hold + q.wrapup));
    t.append(dl);
    box.append(t);
  }
}

function renderCalls() {
  const body = document.querySelector("#calls tbody");
  const rows = [];
  for (const c of st.calls.values()) {
    const q = st.queues.get(c.obj.queue);
    const h = handleNow(c);
    const top = q && q.normal ? q.normal[1] : null;
    if (h === null || top === null || h <= top) continue;
    rows.push({ c, h });
  }
  rows.sort((a, b) => b.h - a.h);
  body.textContent = "";
  for (const { c, h } of rows) {
    const o = c.obj;
    const tr = el("tr", o.level || "");
    tr.dataset.call = o.call_id;
    tr.append(el("td", "handle", dur(h)), el("td", null, o.queue),
        el("td", null, o.call_id), el("td", null, o.agent || "–"),
        el("td", null, o.state.replace("_", " ")),
        el("td", null, String(o.holds)), el("td", null, String(o.transfers)));
    body.append(tr);
  }
  $("calls-count").textContent = rows.length ? "(" + rows.length + ")" : "";
  $("calls-none").hidden = rows.length > 0;
}

async function ack(a, button) {
  button.disabled = true;
  const r = await api("/api/ack", { id: a.id });
  const err = $("ack-error");
  if (r.status === 200 && r.body && r.body.ok) {
    err.hidden = true;
    noteAlert(r.body);
  } else {
    err.hidden = false;
    err.textContent = "Ack of " + a.id + " refused: " +
        (r.body && r.body.error ? r.body.error : "HTTP " + r.status);
    button.disabled = false;
  }
  renderAlerts();
}

function renderAlerts() {
  const list = $("alerts");
  list.textContent = "";
  for (const id of st.order) {
    const a = st.alerts.get(id);
    const li = el("li", a.state);
    li.dataset.id = a.id;
    li.dataset.state = a.state;
    li.append(el("span", "time", hms(a.ts)),
        el("span", "sev " + a.severity, a.severity));
    const what = el("span", "what", a.message);
    what.append(el("small", null, [a.queue, a.call_id, a.agent, a.rule,
        a.state + (a.acked_by ? " by " + a.acked_by : "")]
        .filter((x) => x).join(" · ")));
    li.append(what);
    if (canAck(a)) {
      const b = el("button", "ack", "Ack");
      b.addEventListener("click", () => ack(a, b));
      li.append(b);
    } else {
      li.append(el("span"));
    }
    list.append(li);
  }
  $("alerts-none").hidden = st.order.length > 0;
}

function renderAll() {
  renderQueues();
  renderCalls();
  renderAlerts();
}

function tick() {
  const now = new Date();
  $("clock").textContent = pad(now.getHours()) + ":" + pad(now.getMinutes()) +
      ":" + pad(now.getSeconds());
  if (st.up && Date.now() - st.lastData > 40000)
    setLink(false, "no word from the daemon for 40 s");
  renderCalls();
}

function openStream() {
  if (st.es) st.es.close();
  const t = token();
  const es = new EventSource("/events" +
      (t ? "?token=" + encodeURIComponent(t) : ""));
  st.es = es;
  es.addEventListener("snapshot", (e) => {
    st.lastData = Date.now();
    setLink(true);
    applySnapshot(JSON.parse(e.data));
  });
  es.onmessage = (e) => {
    st.lastData = Date.now();
    if (!st.up) setLink(true);
    apply(JSON.parse(e.data));
  };
  es.onopen = () => { st.lastData = Date.now(); setLink(true); };
  es.onerror = () => {
    const since = st.lastData ? " — figures as of " +
        hms(st.lastData / 1000) : "";
    setLink(false, "reconnecting" + since);
    /* A refused token closes the stream for good: ask again. */
    if (es.readyState === EventSource.CLOSED) setTimeout(start, 2000);
  };
}

async function start() {
  let r;
  try {
    r = await api("/api/whoami");
  } catch (e) {
    setLink(false, "the daemon does not answer; trying again");
    setTimeout(start, 2000);
    return;
  }
  if (r.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("login").showModal();
    return;
  }
  if (r.status !== 200 || !r.body) {
    setLink(false, "the daemon answered " + r.status + "; trying again");
    setTimeout(start, 2000);
    return;
  }
  st.who = r.body;
  $("who").textContent = r.body.name ? r.body.name + " (" + r.body.role +
      (r.body.queues.length ? ": " + r.body.queues.join(", ") : "") + ")" :
      "";
  openStream();
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  const r = await api("/api/whoami");
  if (r.status === 200) {
    $("login-error").hidden = true;
    $("login").close();
    start();
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
    $("login-error").hidden = false;
    $("login-error").textContent = "That token is not accepted.";
  }
});

setInterval(tick, 1000);
tick();
start();
