// The panel's monitoring card: vitals entry with values, the next checkpoint on the dose
// clock, alerts that stay until acknowledged, the dose with its amount and lot, and Ready to
// leave. Its own file (and vitals.css) so the panel page's other code stays apart; it hooks in
// through window.companionPanel (panel.js): send() and onState(). It only sends commands and
// shows the state; every check (ranges, limits, when leaving is allowed) is the engine's.

const panel = window.companionPanel;
const SIGNS = [
  ["systolic", "Systolic", "mmHg"],
  ["diastolic", "Diastolic", "mmHg"],
  ["heart_rate", "Heart rate", "/min"],
  ["spo2", "SpO2", "%"],
  ["respiratory_rate", "Breaths", "/min"],
];
const KEY = "e";  // the shortcut to the vitals entry

const card = document.createElement("section");
card.className = "card monitoring";
card.id = "monitoring";
card.setAttribute("aria-labelledby", "monitoring-heading");
card.innerHTML = `
  <h2 id="monitoring-heading">Monitoring</h2>
  <p id="mon-protocol" class="muted">No protocol: vitals are recorded without limits.</p>
  <div id="mon-alerts" class="mon-alerts" role="alert"></div>
  <p id="mon-next" class="mon-next" hidden></p>
  <form id="vitals-entry" class="vitals-entry" novalidate>
    <p id="vitals-last" class="muted">No vitals entered yet.</p>
    <div class="vitals-grid">
      ${SIGNS.map(([name, label, unit]) => `
      <label class="vital"><span>${label} <small>${unit}</small></span>
        <input id="v-${name}" name="${name}" type="text" inputmode="numeric"
               pattern="[0-9]*" autocomplete="off" maxlength="5"></label>`).join("")}
      <label class="vital"><span>Sedation</span>
        <select id="v-sedation" name="sedation"><option value="">—</option></select></label>
      <label class="vital"><span>Dissociation</span>
        <select id="v-dissociation" name="dissociation"><option value="">—</option></select></label>
    </div>
    <label class="vital comment"><span>Comment</span>
      <input id="v-comment" name="comment" type="text" maxlength="500" autocomplete="off"></label>
    <p id="vitals-message" class="vitals-message" role="status" aria-live="polite"></p>
    <button id="btn-record-vitals" class="wide-button" type="submit">Record vitals <kbd>E</kbd></button>
  </form>
  <form id="dose-entry" class="dose-entry" novalidate>
    <label class="vital"><span>Dose</span>
      <input id="d-dose" type="text" inputmode="decimal" autocomplete="off" maxlength="8"></label>
    <label class="vital"><span>Unit</span><input id="d-unit" type="text" maxlength="20" value="mg"></label>
    <label class="vital"><span>Route</span><input id="d-route" type="text" maxlength="40"></label>
    <label class="vital"><span>Lot</span><input id="d-lot" type="text" maxlength="40" autocomplete="off"></label>
    <button id="btn-record-dose" type="submit">Dose given</button>
  </form>
  <div class="ready">
    <p id="ready-status" class="muted"></p>
    <button id="btn-ready" class="wide-button" type="button" disabled>Ready to leave</button>
  </div>`;
const help = document.querySelector("#help dl");
if (help) {
  const key = document.createElement("dt");
  key.innerHTML = "<kbd>E</kbd>";
  const what = document.createElement("dd");
  what.textContent = "enter vitals";
  help.append(key, what);
}
const care = document.querySelector("section.care");
(care ? care.after(card) : document.querySelector("main").append(card));

const $ = (id) => document.getElementById(id);

// A value outside the limits is also said at the top, with the other alerts, so it is seen
// wherever the page is scrolled; it goes when every alert is acknowledged.
const banner = document.createElement("div");
banner.id = "limits-alert";
banner.className = "alert signal";
banner.setAttribute("role", "alert");
banner.hidden = true;
banner.innerHTML = `<span class="alert-text"><strong>Vitals outside the limits</strong>
  <span id="limits-detail"></span></span>
  <button id="btn-limits-show" type="button">Show</button>`;
const others = document.getElementById("vitals-alert");
(others ? others.after(banner) : card.prepend(banner));
$("btn-limits-show").addEventListener("click", () => {
  card.scrollIntoView({ block: "start" });
  const first = card.querySelector(".mon-alert button");
  if (first) first.focus();
});

function clock(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  const h = Math.floor(whole / 3600), m = Math.floor(whole / 60) % 60, s = whole % 60;
  return h ? `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`
           : `${m}:${String(s).padStart(2, "0")}`;
}

function doseClock(seconds, given) {
  if (given == null) return clock(seconds);
  const d = seconds - given;
  return (d < 0 ? "−" : "+") + clock(Math.abs(d));
}

function say(text, ok = false) {
  const message = $("vitals-message");
  message.textContent = text;
  message.classList.toggle("ok", ok);
}

let scales = null;
function fillScales(m) {
  const key = JSON.stringify(m.scales);
  if (key === scales) return;
  scales = key;
  for (const [name, levels, numbered] of [["sedation", m.scales.sedation, true],
                                           ["dissociation", m.scales.dissociation, false]]) {
    const select = $(`v-${name}`);
    select.length = 1;
    levels.forEach((label, value) => {
      const option = document.createElement("option");
      option.value = numbered ? String(value) : label;
      option.textContent = numbered ? `${value} ${label}` : label;
      select.append(option);
    });
  }
}

function lastValues(entry, given) {
  if (!entry) return "No vitals entered yet.";
  const parts = [];
  if (entry.systolic != null && entry.diastolic != null) parts.push(`BP ${entry.systolic}/${entry.diastolic}`);
  if (entry.heart_rate != null) parts.push(`HR ${entry.heart_rate}`);
  if (entry.spo2 != null) parts.push(`SpO2 ${entry.spo2}%`);
  if (entry.respiratory_rate != null) parts.push(`breaths ${entry.respiratory_rate}`);
  if (entry.sedation != null) parts.push(`sedation ${entry.sedation}`);
  if (entry.dissociation != null) parts.push(`dissociation ${entry.dissociation}`);
  return `Last, at ${doseClock(entry.session_time, given)}: ${parts.join(" · ")}`;
}

function render(state) {
  const m = state.monitoring;
  if (!m) return;
  fillScales(m);
  const given = m.doses.length ? m.doses[0].session_time : null;
  const p = m.protocol;
  $("mon-protocol").textContent = p
    ? `${p.title} · ${p.route} · at least ${p.observation_minutes} min of observation`
    : "No protocol: vitals are recorded without limits.";
  // with a protocol its checkpoints say when vitals are due, not a fixed interval
  const interval = document.getElementById("vitals-form");
  if (interval) interval.hidden = Boolean(p);
  if (p && document.activeElement !== $("d-route") && !$("d-route").value) $("d-route").value = p.route;
  if (p && document.activeElement !== $("d-unit")) $("d-unit").value = $("d-unit").value || p.unit;

  // the next checkpoint on the dose clock: "BP due at +40:00, in 3:12"; late in amber
  const next = m.next_checkpoint;
  const line = $("mon-next");
  line.hidden = !next;
  if (next) {
    let text;
    if (next.due == null) text = `Vitals due ${next.name === "before the dose" ? "before the dose" : `(${next.name})`}`;
    else if (next.status === "late") text = `Vitals late: due at ${next.clock}, ${clock(-next.in)} ago`;
    else if (next.in > 0) text = `Vitals due at ${next.clock}, in ${clock(next.in)}`;
    else text = `Vitals due now (${next.clock})`;
    line.textContent = text + (next.name && next.due != null ? ` · ${next.name}` : "");
    line.dataset.status = next.status;
  }

  // alerts: each stays until acknowledged
  const alerts = $("mon-alerts");
  const ids = m.alerts.map((a) => a.id).join(",");
  if (alerts.dataset.ids !== ids) {
    alerts.dataset.ids = ids;
    alerts.replaceChildren(...m.alerts.map((alert) => {
      const row = document.createElement("div");
      row.className = "mon-alert";
      const text = document.createElement("span");
      text.textContent = `Outside the limits at ${doseClock(alert.session_time, given)}: ${alert.message}`;
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Acknowledge";
      button.addEventListener("click", () => panel.send("ack_alert", { id: alert.id }, "Acknowledge alert"));
      row.append(text, button);
      return row;
    }));
  }

  banner.hidden = !m.alerts.length;
  $("limits-detail").textContent = m.alerts.length
    ? m.alerts[m.alerts.length - 1].message + (m.alerts.length > 1 ? ` (and ${m.alerts.length - 1} more)` : "")
    : "";

  $("vitals-last").textContent = lastValues(m.latest, given);

  const ready = m.ready;
  const button = $("btn-ready");
  button.disabled = !ready.allowed || ready.recorded_at != null;
  button.classList.toggle("go", ready.allowed && ready.recorded_at == null);
  $("ready-status").textContent = ready.recorded_at != null
    ? `Ready to leave recorded at ${doseClock(ready.recorded_at, given)}.`
    : ready.allowed ? "The protocol allows leaving: every limit met, sedation and dissociation resolved."
    : p ? `Not yet: ${ready.reason}.` : "";
  $("btn-record-dose").textContent = m.doses.length ? "Another dose given" : "Dose given";
}

function numberOrText(raw) {
  const text = raw.trim();
  if (!text) return undefined;
  const value = Number(text.replace(",", "."));
  return Number.isFinite(value) ? value : text;  // text: the engine says what is wrong
}

$("vitals-entry").addEventListener("submit", async (event) => {
  event.preventDefault();
  const values = {};
  for (const [name] of SIGNS) {
    const value = numberOrText($(`v-${name}`).value);
    if (value !== undefined) values[name] = value;
  }
  const sedation = $("v-sedation").value;
  if (sedation !== "") values.sedation = Number(sedation);
  const dissociation = $("v-dissociation").value;
  if (dissociation !== "") values.dissociation = dissociation;
  const comment = $("v-comment").value.trim();
  if (comment) values.comment = comment;
  if (!Object.keys(values).length) { say("Enter at least one value."); return; }
  say("Recording…", true);
  const result = await panel.send("vitals", values, "Vitals");
  if (result && result.ok) {
    say("Recorded.", true);
    for (const input of $("vitals-entry").querySelectorAll("input, select")) input.value = "";
  } else {
    say(result && result.reason ? result.reason : "Not recorded.");
  }
});

$("dose-entry").addEventListener("submit", async (event) => {
  event.preventDefault();
  const args = {};
  const dose = numberOrText($("d-dose").value);
  if (dose !== undefined) args.dose = dose;
  for (const name of ["unit", "route", "lot"]) {
    const value = $(`d-${name}`).value.trim();
    if (value) args[name] = value;
  }
  const result = await panel.send("medicine", args, "Dose given");
  if (result && result.ok) { $("d-dose").value = ""; $("d-lot").value = ""; }
});

$("btn-ready").addEventListener("click", () => panel.send("ready_to_leave", {}, "Ready to leave"));

// E: to the vitals entry (not while typing, not while a dialog asks), as panel.js's keys do
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.key.toLowerCase() !== KEY) return;
  if (event.target.closest && event.target.closest("input, textarea, select, [contenteditable]")) return;
  if (document.querySelector("dialog[open]")) return;
  event.preventDefault();
  $("v-systolic").focus();
});

if (panel) {
  panel.onState(render);
  if (panel.state) render(panel.state);
}
