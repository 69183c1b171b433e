// lotstation kiosk: shows what the station decided and what to do next.
// State comes from GET /api/status and the live feed GET /api/events (read
// with fetch so the API token can go in a header); actions are POSTs to
// /api/scan, /api/mode, /api/ack and /api/override. No outside resources.
"use strict";

const $ = (id) => document.getElementById(id);
const HISTORY = 8;
let token = localStorage.getItem("lotstation.token") || "";
let status = null;
let audio = null;

// ---------------------------------------------------------------- API

function headers(json) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  if (token) h["Authorization"] = "Bearer " + token;
  return h;
}

async function api(method, path, body) {
  const r = await fetch(path, {
    method,
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  if (r.status === 401) {
    askToken();
    throw new Error("API token needed");
  }
  let data = null;
  try { data = await r.json(); } catch (_) { data = null; }
  if (!r.ok) {
    const msg = data && data.error ? data.error + (data.hint ? " (" + data.hint + ")" : "") : "HTTP " + r.status;
    throw new Error(msg);
  }
  return data;
}

function askToken() {
  const d = $("dlg-token");
  if (!d.open) d.showModal();
}

// ---------------------------------------------------------------- sound

function beep(kind) {
  try {
    if (!audio) audio = new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
    const plan = {
      accepted: [[880, 0.0, 0.12, "sine"]],
      warning: [[660, 0.0, 0.15, "triangle"], [660, 0.22, 0.15, "triangle"]],
      rejected: [[220, 0.0, 0.35, "square"], [180, 0.42, 0.45, "square"]],
    }[kind];
    if (!plan) return;
    const t0 = audio.currentTime + 0.02;
    for (const [freq, at, len, wave] of plan) {
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.type = wave;
      o.frequency.value = freq;
      g.gain.setValueAtTime(0.0001, t0 + at);
      g.gain.exponentialRampToValueAtTime(0.4, t0 + at + 0.01);
      g.gain.exponentialRampToValueAtTime(0.0001, t0 + at + len);
      o.connect(g).connect(audio.destination);
      o.start(t0 + at);
      o.stop(t0 + at + len + 0.02);
    }
  } catch (_) {
    // No audio device: the colours still say it.
  }
}

// ---------------------------------------------------------------- rendering

const WORDS = { accepted: "ACCEPTED", warning: "WARNING", rejected: "REJECTED" };

function time(ts) {
  const d = new Date(ts);
  return isNaN(d) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function moveSummary(v) {
  const mv = v.mv;
  if (!mv) return v.kind || "";
  const lines = (mv.lines || []).map((l) => l.lot.item + " lot " + l.lot.lot);
  let s = mv.kind + " " + lines.join(", ");
  if (mv.to) s += " → " + mv.to;
  if (mv.work_order) s += " [" + mv.work_order + "]";
  if (mv.shipment) s += " [" + mv.shipment + "]";
  if (v.recorded) s += "  #" + v.recorded.seq;
  return s;
}

// "Use lot 28-0301 first (expires 2026-05-01, at SHELF-2)" → the lot and where.
function fefoAdvice(reasons) {
  const r = (reasons || []).find((x) => x.code === "FEFO_VIOLATION");
  if (!r) return null;
  const m = /Use lot (\S+) first \(([^)]*?)(?:, at ([^)]+))?\)/.exec(r.text);
  if (!m) return r.text;
  return "Use lot " + m[1] + (m[3] ? " at location " + m[3] : "") + " instead";
}

function showVerdict(v, sound) {
  const box = $("verdict");
  // An overridden refusal was recorded on a supervisor's signature: amber.
  box.className = "verdict verdict-" + (v.override_by ? "warning" : v.outcome);
  $("verdict-title").textContent = v.override_by ? "OVERRIDDEN" : WORDS[v.outcome] || v.outcome;
  const first = (v.reasons || [])[0];
  let text;
  if (first) text = first.text;
  else if (v.outcome === "accepted") text = v.kind ? v.kind.charAt(0).toUpperCase() + v.kind.slice(1) + " recorded" : "OK";
  else text = v.line.replace(/^\S+\s+/, "");
  $("verdict-text").textContent = text;
  $("verdict-code").textContent = (v.reasons || []).map((r) => r.code).join("  ");
  $("verdict-move").textContent = moveSummary(v);
  const advice = fefoAdvice(v.reasons);
  $("fefo").hidden = !advice;
  $("fefo").textContent = advice || "";
  if (sound) beep(v.outcome);
}

function showNotice(kind, title, text) {
  $("verdict").className = "verdict verdict-" + kind;
  $("verdict-title").textContent = title;
  $("verdict-text").textContent = text;
  $("verdict-code").textContent = "";
  $("verdict-move").textContent = "";
  $("fefo").hidden = true;
}

function addHistory(v) {
  const li = document.createElement("li");
  li.className = v.outcome;
  const t = document.createElement("span");
  t.className = "h-time";
  t.textContent = time(v.at);
  const what = document.createElement("div");
  what.className = "h-what";
  what.textContent = (WORDS[v.outcome] || v.outcome) + " " + (v.kind || "scan");
  const why = document.createElement("div");
  why.className = "h-why";
  const first = (v.reasons || [])[0];
  why.textContent = first ? first.code + ": " + first.text : moveSummary(v);
  li.append(t, what, why);
  const list = $("history");
  list.prepend(li);
  while (list.children.length > HISTORY) list.lastElementChild.remove();
}

function showStatus(s) {
  status = s;
  $("station").textContent = "station " + s.station;
  $("mode").textContent = s.mode;
  $("operator").textContent = s.operator ? s.operator + (s.supervisor ? "  (supervisor " + s.supervisor + ")" : "") : "no operator — scan your badge";
  $("expecting").textContent = s.expecting.charAt(0).toUpperCase() + s.expecting.slice(1);

  const latched = $("latched");
  if (s.latched) {
    latched.hidden = false;
    const more = s.latched.count > 1 ? "  (+" + (s.latched.count - 1) + " more)" : "";
    $("latched-text").textContent = s.latched.codes.join(", ") + ": " + s.latched.text + more;
  } else {
    latched.hidden = true;
  }
  $("btn-override").disabled = !s.overridable;

  const devices = $("devices");
  devices.replaceChildren();
  for (const d of s.devices || []) {
    const li = document.createElement("li");
    li.className = d.state === "connected" ? "up" : d.state === "stopped" || d.state === "starting" ? "idle" : "down";
    li.textContent = d.name + " " + (d.state === "connected" ? "✓" : d.state.replace("_", " "));
    li.title = d.detail || d.reason || d.hint || d.state;
    devices.append(li);
  }
  const sync = $("sync");
  const y = s.sync || {};
  const word = y.online === true ? "online · " : y.online === false ? "OFFLINE · " : "";
  const ex = y.exceptions || 0;
  sync.textContent = word + "outbox " + (y.outbox ?? "?") + (ex ? " · " + ex + " to resolve" : "");
  sync.className = "pill " + (y.online === false ? "pill-bad" : ex ? "pill-warn" : y.online === true ? "pill-ok" : "pill-unknown");
  sync.title = (y.last_error ? "last error: " + y.last_error : y.last_sync ? "last sync " + y.last_sync : "no sync yet")
    + (ex ? "; " + ex + " transaction(s) rejected or flagged by the central server: see /api/exceptions, lotstation outbox" : "");

  const grid = $("mode-grid");
  if (!grid.children.length) {
    for (const m of s.modes || []) {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.mode = m;
      b.textContent = m;
      b.addEventListener("click", () => switchMode(m));
      grid.append(b);
    }
  }
  for (const b of grid.children) b.classList.toggle("current", b.dataset.mode === s.mode);
}

function onStationEvent(e) {
  switch (e.type) {
    case "verdict":
      showVerdict(e, true);
      addHistory(e);
      break;
    case "error":
      showNotice("rejected", "ERROR", e.text);
      beep("rejected");
      break;
    case "info":
      showNotice("info", "INFO", e.text);
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------- live feed

function setFeed(ok) {
  const f = $("feed");
  f.textContent = ok ? "live" : "offline";
  f.className = "pill " + (ok ? "pill-ok" : "pill-bad");
}

async function follow() {
  let wait = 1000;
  for (;;) {
    try {
      const r = await fetch("/api/events", { headers: headers(false), cache: "no-store" });
      if (r.status === 401) {
        askToken();
        throw new Error("token");
      }
      if (!r.ok || !r.body) throw new Error("HTTP " + r.status);
      setFeed(true);
      wait = 1000;
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true }).replace(/\r\n/g, "\n");
        let cut;
        while ((cut = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let name = "message";
          const data = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) name = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
          }
          if (!data.length) continue;
          try {
            const obj = JSON.parse(data.join("\n"));
            if (name === "status") showStatus(obj);
            else if (name === "station") onStationEvent(obj);
          } catch (_) {
            // a lagged count or a keep-alive
          }
        }
      }
    } catch (_) {
      // fall through to reconnect
    }
    setFeed(false);
    await new Promise((ok) => setTimeout(ok, wait));
    wait = Math.min(wait * 2, 10000);
  }
}

// ---------------------------------------------------------------- actions

function closeAll() {
  for (const d of document.querySelectorAll("dialog")) if (d.open && d.id !== "dlg-token") d.close();
}

async function switchMode(m) {
  try {
    await api("POST", "/api/mode", { mode: m });
    closeAll();
  } catch (e) {
    showNotice("rejected", "ERROR", String(e.message || e));
  }
}

async function manualSubmit() {
  const input = $("manual-input");
  const err = $("manual-error");
  err.hidden = true;
  try {
    await api("POST", "/api/scan", { text: input.value });
    input.value = "";
    $("dlg-manual").close();
  } catch (e) {
    err.textContent = String(e.message || e);
    err.hidden = false;
  }
}

async function overrideSubmit() {
  const err = $("ov-error");
  err.hidden = true;
  try {
    const r = await api("POST", "/api/override", {
      user: $("ov-user").value.trim(),
      pin: $("ov-pin").value,
      reason: $("ov-reason").value,
    });
    $("ov-pin").value = "";
    $("ov-reason").value = "";
    $("dlg-override").close();
    showNotice("accepted", "OVERRIDDEN", "Recorded as #" + r.recorded.seq + ", signed by " + r.signed_by);
  } catch (e) {
    $("ov-pin").value = "";
    err.textContent = String(e.message || e);
    err.hidden = false;
  }
}

async function acknowledge() {
  try {
    await api("POST", "/api/ack", {});
  } catch (e) {
    showNotice("rejected", "ERROR", String(e.message || e));
  }
}

function wire() {
  $("ack-button").addEventListener("click", acknowledge);
  $("btn-mode").addEventListener("click", () => $("dlg-mode").showModal());
  $("btn-manual").addEventListener("click", () => {
    $("manual-error").hidden = true;
    $("dlg-manual").showModal();
    $("manual-input").focus();
  });
  $("btn-override").addEventListener("click", () => {
    const o = status && status.overridable;
    $("ov-what").textContent = o ? "Refused " + o.kind + ": " + o.reasons.map((r) => r.code + " — " + r.text).join("; ") : "";
    $("ov-error").hidden = true;
    $("dlg-override").showModal();
    $("ov-user").focus();
  });
  $("manual-submit").addEventListener("click", manualSubmit);
  $("manual-input").addEventListener("keydown", (e) => { if (e.key === "Enter") manualSubmit(); });
  $("ov-submit").addEventListener("click", overrideSubmit);
  $("token-submit").addEventListener("click", () => {
    token = $("token-input").value.trim();
    localStorage.setItem("lotstation.token", token);
    $("dlg-token").close();
    start();
  });
  for (const b of document.querySelectorAll("dialog .cancel")) {
    b.addEventListener("click", () => b.closest("dialog").close());
  }
  // Browsers start audio only after a touch; any touch unlocks it.
  document.addEventListener("pointerdown", () => { if (audio && audio.state === "suspended") audio.resume(); });
}

let following = false;

async function start() {
  try {
    showStatus(await api("GET", "/api/status"));
    const recent = await api("GET", "/api/verdicts?limit=" + HISTORY);
    $("history").replaceChildren();
    const list = recent.verdicts || [];
    for (const v of list.slice().reverse()) addHistory(v);
    if (list.length) showVerdict(list[0], false);
  } catch (_) {
    setFeed(false);
  }
  if (!following) {
    following = true;
    follow();
  }
}

wire();
start();
