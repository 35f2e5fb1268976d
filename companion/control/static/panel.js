// The therapist's panel. It only sends commands and shows the state the server pushes.
//
// One WebSocket to ws (in the page's own folder, authorised by the HttpOnly cookie set when the
// link with the token was opened). Every command carries an id; until its result comes back it
// stays in `pending`, and after a reconnect it is sent again with the same id, so the session
// applies it once.
//
// When the connection goes, the page tells three cases apart: Companion itself has stopped
// (connections refused or reset at once, several tries in a row: red, the clocks stop, what to
// run to resume), the network is lost (no answer at all, or the browser is offline: the session
// goes on by itself), and a refused sign-in. A resumed Companion (same port and token) is found
// by the reconnecting page itself: "Resumed after a gap of 0:13".

const RECONNECT_DELAYS = [250, 500, 1000, 2000, 3000];  // ms, then 3 s each time
const SILENT_LIMIT = 3000;      // ms without a message: the connection is taken as lost
const PENDING_LIMIT = 30000;    // ms: a command unconfirmed this long is dropped, with a message
const STOPPED_AFTER = 3;        // connection tries refused at once, in a row: Companion has stopped
const FAST_FAILURE = 1500;      // ms: a refused or reset connection fails faster than this
const PROBE_TIMEOUT = 2500;     // ms: no answer by then is a lost network, not a stopped program
const STALE_PICTURE = 3000;     // ms: an older picture is marked with its age
const PICTURE_EVERY = 1000;     // ms
const SLIDER_EVERY = 150;       // ms between level commands while a slider is dragged
const BUSES = ["master", "music", "ambience", "narration", "effects"];
const ACTIVE = ["playing", "holding", "paused"];
const HEALTH_PARTS = ["sound", "speech", "display"];
// What the therapist reads for each part's name (others show as they are reported).
const PART_NAMES = {
  record: "Session record", sound: "Sound", speech: "Speech", display: "Display",
  library: "Sound library", headset: "Headset", narration: "Narration",
};
const AWAY_NOTICE_AFTER = 1000;  // ms without a connection before the page says so

const $ = (id) => document.getElementById(id);

// The token came in the URL once; a cookie carries it now. Keep it out of the address bar,
// the history and any screenshot.
if (new URLSearchParams(location.search).has("token")) history.replaceState(null, "", location.pathname);

// --- connection and commands -------------------------------------------------------------

const clientId = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2)).slice(0, 13);
let counter = 0;
const pending = new Map();        // id -> {message, label, since, sent, resolve}
let socket = null;
let connected = false;
let attempt = 0;
let lastHeard = 0;
let reconnectTimer = null;
let hello = null;
let refused = false;
let greeted = false;              // this connection's hello has come
let link = "connecting";          // connecting, connected, reconnecting, network, stopped, refused, full
let fastFailures = 0;             // connection tries refused or reset at once, in a row
let lastRun = null;               // the server's run id: another one means Companion was resumed
let pictureAt = 0;                // performance.now() of the last picture shown
const log = [];                   // commands refused or not confirmed: {time, text}

let state = null;                 // the newest snapshot
let away = null;                  // while the connection is lost: {since, wall, state, timer}
let resent = new Map();           // commands sent again after a reconnect: id -> {label, text, item}
let stateAt = 0;                  // performance.now() when it arrived
const stateListeners = [];

function connect() {
  clearTimeout(reconnectTimer);
  const address = new URL("ws", location.href);
  address.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(address);
  const began = performance.now();
  let opened = false;
  socket = ws;
  if (attempt === 0) showConnection("connecting");
  ws.onopen = () => {
    if (socket !== ws) return;
    opened = true;
    connected = true;
    attempt = 0;
    fastFailures = 0;
    refused = false;
    lastHeard = performance.now();
    showConnection("connected");
    if (away) {
      for (const [id, entry] of pending) {
        const old = resent.get(id);
        resent.set(id, { label: entry.label, item: old ? old.item : null,
                         text: `${entry.label} (pressed at ${wallTime(entry.at)}): sent after reconnecting…` });
      }
    }
    // (the pending commands go once the server's hello says which run this is)
  };
  ws.onmessage = (event) => {
    if (socket !== ws) return;
    lastHeard = performance.now();
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    receive(message);
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    // Refused (nothing listens) or reset at once: a sign that Companion itself is gone.
    const fast = opened || performance.now() - began < FAST_FAILURE;
    lost(fast);
  };
}

function lost(fast = false) {
  if (!away && state) {  // (never connected yet: nothing to report on coming back)
    away = { since: performance.now(), wall: new Date(), state, timer: null };
    away.timer = setTimeout(showLost, AWAY_NOTICE_AFTER);
  }
  const old = socket;
  socket = null;
  connected = false;
  greeted = false;
  if (old) {
    old.onopen = old.onmessage = old.onclose = null;
    if (old.readyState <= 1) old.close();
  }
  for (const entry of pending.values()) entry.sent = false;
  attempt += 1;
  if (link === "connected" || link === "connecting") showConnection("reconnecting");
  const delay = RECONNECT_DELAYS[Math.min(attempt - 1, RECONNECT_DELAYS.length - 1)];
  reconnectTimer = setTimeout(connect, delay);
  probe(fast);
}

// A WebSocket that fails hides why; ask plainly. A request refused at once (nothing listens on
// the port) while the browser is online, several times in a row, is a stopped Companion. No
// answer at all, or an offline browser, is a lost network. 401 is a sign-in this run refuses;
// a full server says so.
async function probe(fast) {
  const began = performance.now();
  let kind = "reconnecting";
  try {
    const response = await fetch("api/health", { cache: "no-store", signal: AbortSignal.timeout(PROBE_TIMEOUT) });
    fastFailures = 0;
    if (response.status === 401 || response.status === 403) kind = "refused";
    else if (response.ok) {
      const health = await response.json();
      if (health.panels >= health.max_panels) kind = "full";
    }
  } catch (error) {
    const quick = performance.now() - began < FAST_FAILURE && error.name !== "TimeoutError";
    if (navigator.onLine === false || !quick || !fast) {
      fastFailures = 0;
      kind = "network";
    } else {
      fastFailures += 1;
      kind = fastFailures >= STOPPED_AFTER ? "stopped" : (link === "stopped" ? "stopped" : "reconnecting");
    }
  }
  refused = kind === "refused";
  if (!connected) showConnection(kind);
}

function transmit(entry) {
  if (!connected || !socket || !greeted) return;
  socket.send(JSON.stringify(entry.message));
  entry.sent = entry.tried = true;  // tried: it may have reached this run
}

function send(command, args = {}, label = command) {
  const id = `${clientId}-${++counter}`;
  const entry = { message: { command, ...args, id }, label, since: performance.now(), sent: false,
                  at: new Date(), whileStopped: link === "stopped" };
  const done = new Promise((resolve) => { entry.resolve = resolve; });
  entry.done = done;
  pending.set(id, entry);
  transmit(entry);
  if (!connected) {
    resent.set(id, { label, text: `${label} (pressed at ${wallTime(entry.at)}): waiting to be sent…`, item: null });
    showWaiting();
  }
  showConnection(link);
  return done;
}

function receive(message) {
  switch (message.type) {
    case "hello": {
      const resumed = lastRun !== null && message.run !== lastRun;
      hello = message;
      greeted = true;
      lastRun = message.run;
      if (resumed && away) away.resumed = true;
      showFingerprint();
      startPicture();
      // The same ids: the same run applies each once. A resumed run knows none of the old ids,
      // so a command that reached the stopped run (it may have been applied and recorded before
      // the stop) is not sent again; only those pressed while stopped, or never sent, are.
      for (const [id, entry] of pending) {
        if (resumed && entry.tried && !entry.whileStopped) unconfirmed(id, entry, "Companion stopped");
        else transmit(entry);
      }
      break;
    }
    case "state":
      state = message.state;
      stateAt = performance.now();
      if (away) cameBack();
      render();
      for (const listener of stateListeners.slice()) listener(state);
      break;
    case "result": {
      const entry = pending.get(message.id);
      if (!entry) break;
      noteResent(message, entry);
      pending.delete(message.id);
      if (!message.ok) logCommand(entry, message.timeout ? "not confirmed by the session; check before repeating it"
        : `not done: ${message.reason}`);
      else ranAhead(entry.message.command);
      entry.resolve(message);
      showConnection("connected");
      break;
    }
    case "error":
      say(message.reason);
      break;
  }
}

// Every command refused or not confirmed, each on its own line, until the therapist has read them.
function logCommand(entry, text) {
  log.push(`${wallTime(entry.at || new Date())} ${entry.label}: ${text}`);
  while (log.length > 20) log.shift();
  $("log-list").replaceChildren(...log.map((line) => {
    const item = document.createElement("li");
    item.textContent = line;
    return item;
  }));
  $("log-title").textContent = log.length === 1 ? "1 command not done" : `${log.length} commands not done`;
  $("log").hidden = false;
}
$("btn-log-ok").addEventListener("click", () => { log.length = 0; $("log").hidden = true; });

function showConnection(kind) {
  const before = link;
  link = kind;
  const button = $("connection");
  button.dataset.state = kind;
  document.body.dataset.link = kind;
  const waiting = pending.size;
  const texts = {
    connecting: "Connecting…",
    connected: "Connected",
    reconnecting: `Reconnecting…${attempt > 1 ? ` (try ${attempt})` : ""}`,
    network: "Network lost: reconnecting…",
    stopped: "Companion has stopped",
    refused: "Not allowed: open the panel link again",
    full: "Too many panels are open: close one",
  };
  let text = texts[kind];
  if (waiting && kind !== "connected") text += ` · ${waiting} waiting`;
  else if (waiting) text += ` · sending ${waiting}`;
  $("connection-text").textContent = text;
  if (kind !== before && away) {
    if (kind === "stopped") showStopped();
    else if (kind === "network" || kind === "refused" || kind === "full") showLost();
  }
}

// Lost connections that the browser has not noticed yet (a cable pulled, a laptop asleep):
// the server speaks at least twice a second, so a long silence means the line is gone.
setInterval(() => {
  const now = performance.now();
  if (connected && now - lastHeard > SILENT_LIMIT) lost();
  for (const [id, entry] of pending) {
    // While Companion is stopped nothing can have been applied: the command waits for it.
    if (link === "stopped" || entry.whileStopped) continue;
    if (now - entry.since > PENDING_LIMIT) unconfirmed(id, entry, "connection lost");
  }
  tickClocks();
  markPicture();
}, 250);

// A command whose fate is unknown: dropped, never sent again, and the therapist told to check.
function unconfirmed(id, entry, why) {
  pending.delete(id);
  const sent = resent.get(id);
  if (sent) {
    sent.text = `${entry.label} (pressed at ${wallTime(entry.at)}): not confirmed; check before repeating it`;
    if (sent.item) sent.item.textContent = sent.text;
  }
  logCommand(entry, `not confirmed by the session (${why}); check before repeating it`);
  entry.resolve({ ok: false, reason: "not confirmed" });
}

// --- a lost connection, and what happened meanwhile ------------------------------------------

function wallTime(date) {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function duration(ms) {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : clock(seconds);
}

function showAway(kind, title, lines) {
  const box = $("away");
  box.dataset.kind = kind;
  $("away-title").textContent = title;
  $("away-list").replaceChildren(...lines.map((line) => {
    const item = document.createElement("li");
    item.textContent = line;
    return item;
  }));
  $("btn-away-ok").hidden = kind === "lost";
  box.hidden = false;
}

function showLost() {
  if (!away || connected) return;
  if (link === "stopped") { showStopped(); return; }
  const reason = {
    network: "The network is lost (no answer from the session computer).",
    refused: "This panel's sign-in is refused: open the panel link again.",
    full: "Too many panels are open: close one on another device.",
  }[link] || "";
  showAway("lost", `Connection lost at ${wallTime(away.wall)}`, [
    ...(reason ? [reason] : []),
    "The session goes on by itself.",
    "What you press now is sent when the connection is back, and applied once.",
  ]);
  showWaiting();
}

// Companion itself is gone: nothing plays, nothing is recorded; say what to run.
function showStopped() {
  if (!away || connected) return;
  clearTimeout(away.timer);
  const command = (hello && hello.resume_command) || "companion resume RECORD";
  showAway("stopped", `Companion has stopped (no answer since ${wallTime(away.wall)})`, [
    "The session is not running: no sound, no picture for the patient, nothing is recorded.",
    `To continue it, run on the session computer:  ${command}`,
    "This page reconnects by itself when Companion is back. What you press now waits and is sent then.",
  ]);
  $("state").textContent = "stopped";
  $("state").dataset.state = "stopped";
  tickClocks();  // they stand at the moment it stopped
  showWaiting();
}

// Commands pressed while the connection is gone, each with its fate so far.
function showWaiting() {
  if ($("away").hidden) return;
  const list = $("away-list");
  for (const [id, sent] of resent) {
    if (!sent.item) {
      sent.item = document.createElement("li");
      sent.item.dataset.resent = id;
      list.append(sent.item);
    }
    sent.item.textContent = sent.text;
  }
}

// The first state after a reconnect: say how long the panel was away and what changed.
function cameBack() {
  const was = away;
  away = null;
  clearTimeout(was.timer);
  const gone = performance.now() - was.since;
  const lines = changes(was.state, state);
  if (gone < AWAY_NOTICE_AFTER && !lines.length && !resent.size && !was.resumed) {
    $("away").hidden = true;  // a blink of a reconnect: nothing to tell
    return;
  }
  if (!lines.length) lines.push("Nothing else changed in the session meanwhile.");
  lines.unshift(`Session time ${clock(was.state.session_time)} → ${clock(state.session_time)}.`);
  if (was.resumed) {
    const gap = hello && hello.resumed_after != null ? hello.resumed_after : gone / 1000;
    showAway("back", `Resumed after a gap of ${clock(gap)} (Companion stopped at ${wallTime(was.wall)})`, lines);
  } else {
    showAway("back", `Connection back after ${duration(gone)} (lost at ${wallTime(was.wall)})`, lines);
  }
  for (const sent of resent.values()) sent.item = null;
  showWaiting();
}

// The result of a command sent again after a reconnect, in the notice about it.
function noteResent(message, entry) {
  const sent = resent.get(message.id);
  if (!sent) return;
  const pressed = entry.at ? ` (pressed at ${wallTime(entry.at)})` : "";
  sent.text = !message.ok ? `${entry.label}${pressed}: not applied (${message.reason})`
    : message.repeated ? `${entry.label}${pressed}: had already been applied, not again`
    : `${entry.label}${pressed}: applied`;
  if (sent.item) sent.item.textContent = sent.text;
}

const STATE_TEXTS = { ready: "ready", playing: "playing", paused: "paused", holding: "holding",
                      ended: "ended" };

function stateText(s) {
  return s.state === "holding" ? `holding (${s.hold})` : (STATE_TEXTS[s.state] || s.state);
}

function partName(name) { return PART_NAMES[name] || name; }

// What differs between the state before the connection was lost and the one after.
function changes(before, after) {
  const out = [];
  if (after.state === "ended" && before.state !== "ended") {
    out.push(`The session ended: ${after.end_reason || ""}.`);
  } else if (before.state !== after.state) {
    out.push(`The session is ${stateText(after)} (was ${stateText(before)}).`);
  }
  const beforeScene = before.scene ? before.scene.id : null;
  const afterScene = after.scene ? after.scene.id : null;
  if (beforeScene !== afterScene) {
    out.push(`Now in the scene “${after.scene ? after.scene.title : "—"}”` +
             (before.scene ? ` (was “${before.scene.title}”).` : "."));
  } else if (before.step && after.step && before.step.index !== after.step.index) {
    out.push(`Now at step ${after.step.index + 1}: ${after.step.text}.`);
  }
  const notes = (after.notes || 0) - (before.notes || 0);
  if (notes > 0) out.push(`${notes} note${notes > 1 ? "s" : ""} added.`);
  const signal = after.patient_signal;
  if (signal && (!before.patient_signal || signal.count > before.patient_signal.count)) {
    out.push(`The patient signalled at ${clock(signal.session_time)}.`);
  }
  if (after.dose && (!before.dose || after.dose.doses > before.dose.doses)) {
    out.push("Medicine was recorded as given.");
  }
  for (const bus of BUSES) {
    const from = Math.round((before.levels[bus] ?? 0) * 100);
    const to = Math.round((after.levels[bus] ?? 0) * 100);
    if (from !== to) out.push(`${bus[0].toUpperCase() + bus.slice(1)} volume ${from}% → ${to}%.`);
  }
  const health = after.health || {};
  const old = before.health || {};
  for (const name of Object.keys(health).sort()) {
    const was = old[name];
    if (!was || was.ok !== health[name].ok) {
      out.push(`${partName(name)}: ${health[name].ok ? "working" : "NOT working"}` +
               (health[name].message ? ` (${health[name].message}).` : "."));
    }
  }
  return out;
}

$("btn-away-ok").addEventListener("click", () => { $("away").hidden = true; resent = new Map(); });

// --- messages ----------------------------------------------------------------------------

let messageTimer = null;
function say(text) {
  const box = $("message");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => { box.hidden = true; }, 8000);
}

// --- rendering -----------------------------------------------------------------------------

function clock(seconds) {
  if (seconds == null || !isFinite(seconds)) return "—";
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function since() {
  if (!state) return 0;
  // Companion has stopped: so has the session; its clocks stand where it stopped.
  const until = link === "stopped" && away ? away.since : performance.now();
  return Math.max(0, until - stateAt) / 1000;
}

// Between pushes the clocks run on locally, so they tick smoothly.
function tickClocks() {
  if (!state) return;
  const running = ACTIVE.includes(state.state);
  const playing = state.state === "playing" || state.state === "holding";
  $("session-time").textContent = clock(state.session_time + (running ? since() : 0));
  $("scene-time").textContent = clock(state.scene_time + (playing ? since() : 0));
  const step = state.step;
  if (step && step.remaining != null) {
    const left = step.remaining - (state.state === "playing" ? since() : 0);
    $("step-remaining").textContent = `${clock(Math.max(0, left))} left in this step`;
  } else {
    $("step-remaining").textContent = step ? "until you move on" : "";
  }
  if (state.dose) {
    const elapsed = clock(state.dose.elapsed + (running ? since() : 0));
    $("dose-elapsed").textContent = elapsed;
    $("dose-header").textContent = elapsed;
  }
}

function render() {
  const s = state;
  document.title = `${s.title} · Companion`;
  $("title").textContent = s.title;
  $("phase").textContent = s.phase || "—";
  const stateChip = $("state");
  stateChip.dataset.state = s.state;
  stateChip.textContent = s.state === "holding" ? `holding (${s.hold})` : s.state;

  renderNow(s);
  renderButtons(s);
  renderTimeline(s);
  renderLevels(s);
  renderCare(s);
  renderNotes(s);
  renderHealth(s);
  tickClocks();
}

function renderNow(s) {
  $("scene-title").textContent = s.scene ? s.scene.title : (s.state === "ended" ? "Ended" : "Not started");
  let stepText = s.step ? s.step.text : "—";
  if (s.breath) stepText += ` · breathe ${s.breath.phase} (${s.breath.cycle}/${s.breath.cycles})`;
  $("step-text").textContent = stepText;
  const hold = $("hold-line");
  const holdTexts = {
    wait: "Waiting for you: press Continue when ready.",
    scene: "The scene has ended and holds: press Continue for the next one.",
    ground: "Grounded in the safe scene: press Continue or Return to go back.",
  };
  hold.hidden = s.state !== "holding";
  hold.textContent = holdTexts[s.hold] || "Holding.";
  if (s.state === "ended") {
    hold.hidden = false;
    hold.textContent = `The session has ended: ${s.end_reason || ""}`;
  }
  const grounded = $("grounded-line");
  grounded.hidden = !s.grounded;
  if (s.grounded) grounded.textContent = `Grounded from “${sceneTitle(s, s.grounded.scene)}”`;
  const next = s.next || {};
  $("next-step").textContent = next.step || "the end of this scene";
  const thenTexts = { hold: " (after a hold)", end: "" };
  $("next-scene").textContent = next.scene
    ? `then the scene “${sceneTitle(s, next.scene)}”${thenTexts[next.then] || ""}`
    : (next.then === "end" || s.scene ? "then the end of the session" : "");
  const music = s.music && s.music.length ? `music: ${s.music.join(", ")}` : "no music";
  const ambience = s.ambience && s.ambience.length ? `ambience: ${s.ambience.join(", ")}` : "no ambience";
  $("sound-now").textContent = `${s.environment || "—"} · ${music} · ${ambience}${s.talk ? " · talking" : ""}`;
}

function sceneTitle(s, id) {
  const scene = (s.scenes || []).find((item) => item.id === id);
  return scene ? scene.title : id;
}

function enable(id, on) { $(id).disabled = !on; }

function renderButtons(s) {
  const active = ACTIVE.includes(s.state);
  const live = s.state !== "ended";
  enable("btn-start", s.state === "ready");
  $("btn-start").classList.toggle("primary", s.state === "ready");
  const pause = $("btn-pause");
  pause.firstChild.textContent = s.state === "paused" ? "Resume " : "Pause ";
  enable("btn-pause", active);
  const cont = $("btn-continue");
  enable("btn-continue", s.state === "holding");
  cont.classList.toggle("stands-out", s.state === "holding");
  enable("btn-next-step", active);
  enable("btn-previous-scene", active);
  enable("btn-next-scene", active);
  const ground = $("btn-ground");
  ground.firstChild.textContent = s.grounded ? "Return " : "Ground ";
  enable("btn-ground", active);
  const talk = $("btn-talk");
  talk.setAttribute("aria-pressed", String(!!s.talk));
  talk.firstChild.textContent = s.talk ? "Talking… " : "Talk ";
  enable("btn-talk", active);
  const captions = $("btn-captions");
  captions.setAttribute("aria-pressed", String(!!s.captions));
  captions.firstChild.textContent = s.captions ? "Captions on " : "Captions off ";
  enable("btn-captions", live);
  // only a headset has a view to recenter (a screen's never moves): no button without one
  const headset = Boolean(s.display && s.display.headset);
  $("btn-recenter").hidden = !headset;
  enable("btn-recenter", live && headset);
  enable("btn-end", live);
  for (const button of document.querySelectorAll("#pinned button[data-for]")) {
    const main = $(button.dataset.for);
    button.disabled = main.disabled;
    button.firstChild.textContent = main.firstChild.textContent;
    if (main.hasAttribute("aria-pressed")) button.setAttribute("aria-pressed", main.getAttribute("aria-pressed"));
    button.classList.toggle("stands-out", main.classList.contains("stands-out"));
  }
  enable("btn-medicine", active);
  enable("btn-closing", s.state !== "ready");
  $("btn-medicine").textContent = s.dose ? "Another dose given" : "Medicine given";
}

function renderTimeline(s) {
  const list = $("timeline");
  const scenes = s.scenes || [];
  if (list.children.length !== scenes.length) {
    list.replaceChildren(...scenes.map((scene) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.scene = scene.id;
      const name = document.createElement("span");
      name.className = "scene-name";
      const meta = document.createElement("span");
      meta.className = "scene-meta";
      button.append(name, meta);
      button.addEventListener("click", () => chooseScene(scene.id));
      item.append(button);
      return item;
    }));
  }
  const current = s.scene ? s.scene.index : null;
  const groundedFrom = s.grounded ? s.grounded.scene : null;
  scenes.forEach((scene, index) => {
    const item = list.children[index];
    const button = item.firstChild;
    item.className = `phase-${scene.phase}`;
    button.querySelector(".scene-name").textContent = scene.title;
    button.querySelector(".scene-meta").textContent =
      `${scene.phase} · ${clock(scene.estimated_start)} · ${clock(scene.estimated_length)}${scene.holds ? " · holds" : ""}`;
    if (index === current) {
      button.setAttribute("aria-current", "step");
      if (list.dataset.current !== String(index)) {  // a new scene: keep it in view
        list.dataset.current = String(index);
        scrollIntoList(list, item);
      }
    } else button.removeAttribute("aria-current");
    button.classList.toggle("done", current != null && index < current);
    button.classList.toggle("grounded-from", scene.id === groundedFrom);
    button.disabled = s.state === "ended";
  });
}

// The current scene scrolled into view inside the timeline only (the page itself stays put).
function scrollIntoList(list, item) {
  if (list.scrollWidth > list.clientWidth) {
    list.scrollLeft = item.offsetLeft - list.offsetLeft - (list.clientWidth - item.offsetWidth) / 2;
  }
}

const dragging = new Set();

function renderLevels(s) {
  for (const bus of BUSES) {
    const value = Math.round((s.levels[bus] ?? 0) * 100);
    const input = $(`level-${bus}`);
    if (!dragging.has(input)) input.value = value;
    $(`level-${bus}-value`).textContent = `${value}%`;
    input.disabled = s.state === "ended";
  }
  const intensity = Math.round((s.intensity ?? 0) * 100);
  if (!dragging.has($("intensity"))) $("intensity").value = intensity;
  $("intensity-value").textContent = `${intensity}%`;
  $("intensity").disabled = s.state === "ended";
  const tone = s.tone ?? 0;  // -1 darker .. 1 brighter: the slider's 0..100
  if (!dragging.has($("tone"))) $("tone").value = Math.round((tone + 1) * 50);
  $("tone-value").textContent = toneWords(Math.round((tone + 1) * 50));
  $("tone").disabled = s.state === "ended";
  const steady = !!s.steady;
  $("btn-steady").setAttribute("aria-pressed", String(steady));
  $("btn-steady").textContent = steady ? "Steady music: on" : "Steady music";
  $("btn-steady").disabled = s.state === "ended";
}

function toneWords(value) {  // the tone slider's 0..100 in words
  if (value < 45) return `darker ${50 - value}`;
  if (value > 55) return `brighter ${value - 50}`;
  return "even";
}

function renderCare(s) {
  const dose = s.dose;
  $("dose").hidden = !dose;
  $("dose-clock").hidden = !dose;
  if (dose) {
    // On the dose clock, like the clock beside it (not in session time).
    $("dose-next").textContent = clock(dose.next_vitals - dose.given_at);
    $("dose-checks").textContent = dose.vitals_checks;
    $("dose-count").textContent = dose.doses;
    const minutes = $("vitals-minutes");
    if (document.activeElement !== minutes) minutes.value = dose.interval_minutes;
  }
  const vitals = $("vitals-alert");
  vitals.hidden = !(dose && dose.vitals_due != null);
  if (dose && dose.vitals_due != null) {
    $("vitals-detail").textContent =
      `(${clock(dose.vitals_due - dose.given_at)} on the dose clock)`;
  }
  const signal = s.patient_signal;
  $("signal-alert").hidden = !signal;
  if (signal) {
    const times = signal.count > 1 ? `, ${signal.count} times` : "";
    $("signal-detail").textContent = `at ${clock(signal.session_time)} (${signal.via}${times})`;
  }
}

function renderNotes(s) {
  const notes = s.recent_notes || [];
  const list = $("notes");
  const key = notes.map((n) => `${n.session_time}|${n.text.length}`).join(",");
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.replaceChildren(...notes.slice().reverse().map((note) => {
    const item = document.createElement("li");
    const stamp = document.createElement("span");
    stamp.className = "stamp";
    stamp.textContent = clock(note.session_time);
    item.append(stamp, document.createTextNode(note.text));
    return item;
  }));
}

let lastHealth = null;

function renderHealth(s) {
  const health = s.health || {};
  const names = [...HEALTH_PARTS, ...Object.keys(health).filter((n) => !HEALTH_PARTS.includes(n)).sort()];
  $("health").replaceChildren(...names.map((name) => {
    const item = document.createElement("li");
    const part = health[name];
    item.dataset.part = name;
    item.dataset.ok = part ? String(part.ok) : "unknown";
    item.textContent = part ? `${name}: ${part.ok ? "working" : "not working"}` : `${name}: not reported`;
    if (part && part.message) item.title = part.message;
    if (name === "speech" && s.voice && s.voice.label) item.textContent += ` · ${s.voice.label}`;
    if (part && !part.ok && part.message) item.textContent += ` (${part.message})`;
    return item;
  }));
  // Every part that is not working, in the top bar (which stays in view): red and steady
  // until the part says it works again.
  const bad = names.filter((name) => health[name] && !health[name].ok);
  $("health-alert").hidden = !bad.length;
  $("health-alert-title").textContent = bad.length === 1
    ? `${partName(bad[0])} is not working`
    : `${bad.length} parts are not working`;
  $("health-problems").replaceChildren(...bad.map((name) => {
    const item = document.createElement("li");
    item.dataset.part = name;
    const label = document.createElement("span");
    label.className = "part";
    label.textContent = partName(name);
    item.append(label, document.createTextNode(`: ${health[name].message || "not working"}`));
    return item;
  }));
  if (lastHealth) {  // a part that works again says so once
    for (const name of names) {
      if (lastHealth[name] && !lastHealth[name].ok && health[name] && health[name].ok) {
        say(`${partName(name)} works again${health[name].message ? `: ${health[name].message}` : ""}`);
      }
    }
  }
  lastHealth = health;
}

function showFingerprint() {
  const line = $("fingerprint");
  line.hidden = !(hello && hello.fingerprint);
  if (hello && hello.fingerprint) line.textContent = `Secure connection. Certificate SHA-256: ${hello.fingerprint}`;
}

// --- the picture of the patient's view -----------------------------------------------------

let pictureTimer = null;
let pictureWall = null;

// A picture that is no longer coming (Companion stopped, the network lost) says how old it is.
function markPicture() {
  const stale = $("picture-stale");
  const old = pictureAt && !$("picture").hidden && performance.now() - pictureAt > STALE_PICTURE;
  stale.hidden = !old;
  $("picture-box").classList.toggle("stale", !!old);
  if (old) {
    stale.textContent = `Not live: this picture is ${duration(performance.now() - pictureAt)} old ` +
      `(from ${wallTime(pictureWall)})`;
  }
}
let pictureUrl = null;
function startPicture() {
  const has = hello && hello.picture;
  $("no-picture").hidden = !!has;
  if (!has || pictureTimer) return;
  pictureTimer = setInterval(fetchPicture, PICTURE_EVERY);
  fetchPicture();
}

async function fetchPicture() {
  if (document.hidden || !connected) return;
  let response;
  try {
    response = await fetch("api/picture", { cache: "no-store" });
  } catch {
    return;
  }
  if (response.status !== 200) return;
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const image = $("picture");
  image.onload = () => {
    if (pictureUrl && pictureUrl !== url) URL.revokeObjectURL(pictureUrl);
    pictureUrl = url;
    pictureAt = performance.now();
    pictureWall = new Date();
    markPicture();
  };
  image.src = url;
  image.hidden = false;
}

// --- asking again ------------------------------------------------------------------------

function confirmThen(text, { yes = "OK", input = null } = {}) {
  const dialog = $("confirm");
  $("confirm-text").textContent = text;
  $("confirm-yes").textContent = yes;
  $("confirm-extra").hidden = !input;
  const field = $("confirm-input");
  field.value = "";
  if (input) $("confirm-input-label").textContent = input;
  const before = document.activeElement;
  return new Promise((resolve) => {
    dialog.onclose = () => {
      if (before && before !== document.body && before.isConnected) before.focus();
      else if (dialog.contains(document.activeElement)) document.activeElement.blur();
      resolve(dialog.returnValue === "ok" ? { value: field.value } : null);
    };
    dialog.returnValue = "";
    dialog.showModal();
    (input ? field : $("confirm-no")).focus();
  });
}

// --- the controls -------------------------------------------------------------------------

// A start, pause or resume the session has done is shown at once, not at the next state
// (up to 0.75 s later, more on a busy machine): Space pressed just after S must pause.
function ranAhead(command) {
  const now = { start: "playing", resume: "playing", pause: "paused" }[command];
  if (!state || !now || !["ready", "playing", "paused"].includes(state.state)) return;
  state = { ...state, state: now };
  render();
}

function togglePause() {
  if (!state) return;
  // Space right after S, before the session has answered: pause once it has started.
  const starting = [...pending.values()].find((entry) => entry.message.command === "start");
  if (state.state === "ready" && starting) {
    starting.done.then((result) => result.ok && togglePause());
    return;
  }
  if (state.state === "paused") send("resume", {}, "Resume");
  else if (state.state === "playing" || state.state === "holding") send("pause", {}, "Pause");
}

function toggleGround() {
  if (!state) return;
  if (state.grounded) send("return", {}, "Return");
  else send("ground", {}, "Ground");
}

async function chooseScene(id) {
  if (!state || state.state === "ended") return;
  const title = sceneTitle(state, id);
  if (state.state === "ready") {
    if (await confirmThen(`Start the session at “${title}”?`, { yes: "Start there" })) {
      send("start", { scene: id }, "Start");
    }
    return;
  }
  if (await confirmThen(`Go to “${title}” now?`, { yes: "Go there" })) {
    send("goto", { scene: id }, `Go to ${title}`);
  }
}

async function endSession() {
  if (!state || state.state === "ended") return;
  if (await confirmThen("End the session now? This cannot be undone.", { yes: "End session" })) {
    send("end", {}, "End");
  }
}

async function medicineGiven() {
  const answer = await confirmThen(
    state && state.dose ? "Record another dose now?" : "Record the medicine as given now? This starts the dose clock.",
    { yes: "Medicine given", input: "What was given (optional)" });
  if (answer) send("medicine", answer.value.trim() ? { text: answer.value.trim() } : {}, "Medicine");
}

function acknowledge() {
  if (state && state.patient_signal) send("ack_signal", {}, "Acknowledge signal");
}

function vitalsChecked() {
  if (state && state.dose && state.dose.vitals_due != null) send("ack_vitals", {}, "Vitals checked");
}

const actions = {
  "btn-start": () => send("start", {}, "Start"),
  "btn-pause": togglePause,
  "btn-continue": () => send("continue", {}, "Continue"),
  "btn-next-step": () => send("next_step", {}, "Next step"),
  "btn-previous-scene": () => send("previous_scene", {}, "Previous scene"),
  "btn-next-scene": () => send("next_scene", {}, "Next scene"),
  "btn-ground": toggleGround,
  "btn-talk": () => state && send("talk", { on: !state.talk }, "Talk"),
  "btn-captions": () => state && send("captions", { on: !state.captions }, "Captions"),
  "btn-recenter": async () => {
    const result = await send("recenter", {}, "Recenter");
    if (result.ok) say("The headset's view was recentered.");
  },
  "btn-end": endSession,
  "btn-medicine": medicineGiven,
  "btn-ack-signal": acknowledge,
  "btn-ack-vitals": vitalsChecked,
};
for (const [id, action] of Object.entries(actions)) $(id).addEventListener("click", action);
for (const button of document.querySelectorAll("#pinned button[data-for]")) {
  button.addEventListener("click", actions[button.dataset.for]);
}

$("connection").addEventListener("click", () => $("help").showModal());

$("vitals-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const minutes = Number($("vitals-minutes").value);
  send("vitals_interval", { minutes }, "Vitals interval");
});

$("note-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = $("note-text");
  const text = box.value.trim();
  if (!text) return;
  const result = await send("note", { text }, "Note");
  if (result.ok && box.value.trim() === text) box.value = "";
});
$("closing-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const adverse = $("closing-adverse").value.trim();
  const outcome = $("closing-outcome").value.trim();
  if (!adverse && !outcome) { say("Write the adverse events (or “none”) or the outcome first."); return; }
  const result = await send("closing", { adverse_events: adverse, outcome }, "Closing entries");
  if (result.ok) say("The closing entries are saved in the record.");
});

$("note-text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    $("note-form").requestSubmit();
  }
});

// Sliders: a few commands a second while dragged, and the final value when let go.
function slider(input, command, words = (value) => `${value}%`) {
  let last = 0;
  let timer = null;
  let sentValue = null;
  const value = () => Number(input.value) / 100;
  const apply = (level) => {  // each value once: an arrow key's input and change are one step
    if (level === sentValue) return Promise.resolve({ ok: true });
    sentValue = level;
    return command(level);
  };
  input.addEventListener("pointerdown", () => dragging.add(input));
  input.addEventListener("input", () => {
    dragging.add(input);
    const output = $(`${input.id}-value`);
    output.textContent = words(Number(input.value));
    const now = performance.now();
    clearTimeout(timer);
    if (now - last >= SLIDER_EVERY) {
      last = now;
      apply(value());
    } else {
      timer = setTimeout(() => { last = performance.now(); apply(value()); }, SLIDER_EVERY);
    }
  });
  input.addEventListener("change", async () => {
    clearTimeout(timer);
    await apply(value());
    dragging.delete(input);
    sentValue = null;  // the next gesture starts afresh (the session may have moved it)
  });
}
for (const bus of BUSES) {
  slider($(`level-${bus}`), (level) => send("volume", { bus, level, gesture: true }, `${bus} volume`));
}
slider($("intensity"), (level) => send("intensity", { level, gesture: true }, "Music intensity"));
slider($("tone"), (level) => send("tone", { level: level * 2 - 1, gesture: true }, "Music tone"), toneWords);
$("btn-steady").addEventListener("click", () =>
  state && send("steady", { on: !state.steady }, "Steady music"));

// Keyboard shortcuts (not while typing, not while a dialog asks).
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  // Typing: the keys are text. A slider is no text field: its arrows move it, every other key
  // is a shortcut, so Ground stays one press away after a slider was used.
  if (target.closest && target.closest("textarea, select, [contenteditable], input:not([type=range])")) return;
  if (document.querySelector("dialog[open]")) return;  // (focus may linger in one just closed)
  const onButton = target.tagName === "BUTTON";
  const keys = {
    // Space on a focused button presses that button (the browser's own way), never Pause.
    " ": () => (onButton ? false : togglePause()),
    "Enter": () => { if (!onButton) send("continue", {}, "Continue"); else return false; },
    "n": actions["btn-next-step"],
    "]": actions["btn-next-scene"],
    "[": actions["btn-previous-scene"],
    "g": toggleGround,
    "t": actions["btn-talk"],
    "c": actions["btn-captions"],
    "r": () => ($("btn-recenter").hidden ? false : actions["btn-recenter"]()),
    "s": () => state && state.state === "ready" && send("start", {}, "Start"),
    "a": acknowledge,
    "v": vitalsChecked,
    "/": () => $("note-text").focus(),
    "Escape": endSession,
    "?": () => $("help").showModal(),
  };
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  const action = keys[key];
  if (!action) return;
  if (action() === false) return;
  event.preventDefault();
});

// For tests and the latency benchmark: the page's own way of sending and watching.
window.companionPanel = {
  send,
  confirmThen,
  get state() { return state; },
  get connected() { return connected; },
  get pending() { return pending.size; },
  get link() { return link; },
  onState(listener) { stateListeners.push(listener); },
  offState(listener) { const i = stateListeners.indexOf(listener); if (i >= 0) stateListeners.splice(i, 1); },
};

connect();
