// The patient's card: the profile's notes and what it changed in the script (shown at the
// start), and what the patient says: how each scene and piece played felt (a few quick
// choices and a 0-10 resonance), mood and anxiety before and after, and the PHQ-9 and GAD-7.
// Its own file (and patients.css); it hooks in through window.companionPanel (panel.js):
// send() and onState(). It only sends commands; the engine checks and scores
// (companion/session/ratings.py, whose wording tests/patients checks against this file's).

const panel = window.companionPanel;
const FEELINGS = ["safe", "pleasant", "neutral", "uneasy", "distressing"];
const CHOICES = ["Not at all", "Several days", "More than half the days", "Nearly every day"];
const INSTRUMENTS = {
  "PHQ-9": {
    stem: "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items: [
      "Little interest or pleasure in doing things",
      "Feeling down, depressed, or hopeless",
      "Trouble falling or staying asleep, or sleeping too much",
      "Feeling tired or having little energy",
      "Poor appetite or overeating",
      "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
      "Trouble concentrating on things, such as reading the newspaper or watching television",
      "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual",
      "Thoughts that you would be better off dead or of hurting yourself in some way",
    ],
  },
  "GAD-7": {
    stem: "Over the last 2 weeks, how often have you been bothered by the following problems?",
    items: [
      "Feeling nervous, anxious or on edge",
      "Not being able to stop or control worrying",
      "Worrying too much about different things",
      "Trouble relaxing",
      "Being so restless that it is hard to sit still",
      "Becoming easily annoyed or irritable",
      "Feeling afraid as if something awful might happen",
    ],
  },
};

const card = document.createElement("section");
card.className = "card patient";
card.id = "patient";
card.setAttribute("aria-labelledby", "patient-heading");
card.innerHTML = `
  <h2 id="patient-heading">Patient</h2>
  <div id="pt-profile" class="pt-profile">
    <p id="pt-code" class="muted">No patient profile for this session.</p>
    <p id="pt-notes" class="pt-notes" hidden></p>
    <ul id="pt-changes" class="pt-changes" hidden></ul>
  </div>
  <h3>Mood and anxiety <small>0 to 10</small></h3>
  <form id="pt-mood" class="pt-mood" novalidate>
    ${["before", "after"].map((when) => `
    <div class="pt-row" data-when="${when}"><span class="pt-label">${when === "before" ? "Before" : "After"}</span>
      <label>Mood ${scale(`pt-${when}-mood`)}</label>
      <label>Anxiety ${scale(`pt-${when}-anxiety`)}</label>
      <button type="button" id="pt-${when}-save">Record</button></div>`).join("")}
  </form>
  <h3>How it felt</h3>
  <p class="muted">Each scene and piece played: a feeling and a resonance from 0 to 10.</p>
  <div id="pt-ratings" class="pt-ratings"></div>
  <button id="pt-ratings-save" type="button" class="wide-button">Save the ratings</button>
  <h3>Questionnaires</h3>
  <div class="pt-instruments">
    ${Object.keys(INSTRUMENTS).map((n) => `<button type="button" data-instrument="${n}">${n}</button>`).join("")}
  </div>
  <form id="pt-questionnaire" class="pt-questionnaire" hidden novalidate></form>
  <p id="pt-message" class="pt-message" role="status" aria-live="polite"></p>`;

function scale(id) {
  return `<select id="${id}"><option value="">—</option>${
    Array.from({ length: 11 }, (_, n) => `<option value="${n}">${n}</option>`).join("")}</select>`;
}

const notes = document.querySelector("section.notes");
(notes ? notes.after(card) : document.querySelector("main").append(card));
const $ = (id) => document.getElementById(id);

function say(text, ok = false) {
  $("pt-message").textContent = text;
  $("pt-message").classList.toggle("ok", ok);
}

// what was played: the scenes reached and the pieces heard, in order, as the states show them
const played = { scenes: new Map(), music: new Set() };
let shownFitting = null;

function showFitting(fitting) {
  const key = JSON.stringify(fitting || null);
  if (key === shownFitting) return;
  shownFitting = key;
  if (!fitting) return;
  $("pt-code").textContent = `Profile of ${fitting.patient}` +
    (fitting.substitutions.length ? `: ${fitting.substitutions.length} change(s) to this script` : ": no changes to this script");
  const text = (fitting.notes || "").trim();
  $("pt-notes").hidden = !text;
  $("pt-notes").textContent = text;
  const items = [...fitting.substitutions.map((s) => s.text), ...(fitting.warnings || [])];
  $("pt-changes").hidden = !items.length;
  $("pt-changes").replaceChildren(...items.map((text) => {
    const li = document.createElement("li");
    li.textContent = text;
    return li;
  }));
}

function row(kind, name, label) {
  const div = document.createElement("div");
  div.className = "pt-rating";
  div.dataset.target = kind;
  div.dataset.name = name;
  const title = document.createElement("span");
  title.className = "pt-label";
  title.textContent = label;
  const feelings = document.createElement("span");
  feelings.className = "pt-feelings";
  feelings.setAttribute("role", "group");
  feelings.setAttribute("aria-label", `How ${label} felt`);
  for (const feeling of FEELINGS) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = feeling;
    button.dataset.feeling = feeling;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => {
      for (const other of feelings.children) other.setAttribute("aria-pressed", String(other === button));
    });
    feelings.append(button);
  }
  const resonance = document.createElement("label");
  resonance.innerHTML = `Resonance ${scale("")}`;
  resonance.querySelector("select").className = "pt-resonance";
  div.append(title, feelings, resonance);
  return div;
}

function showPlayed(state) {
  let changed = false;
  const current = state.scene;
  for (const scene of state.scenes || []) {
    if (current && scene.index <= current.index && !played.scenes.has(scene.id)) {
      played.scenes.set(scene.id, `${scene.title} (${scene.environment})`);
      changed = true;
    }
  }
  for (const track of state.music || []) {
    if (!played.music.has(track)) { played.music.add(track); changed = true; }
  }
  if (!changed) return;
  const box = $("pt-ratings");
  const have = new Set([...box.children].map((r) => `${r.dataset.target}:${r.dataset.name}`));
  for (const [id, label] of played.scenes) {
    if (!have.has(`scene:${id}`)) box.append(row("scene", id, label));
  }
  for (const track of played.music) {
    if (!have.has(`music:${track}`)) box.append(row("music", track, `music: ${track}`));
  }
}

function render(state) {
  showFitting(state.fitting);
  showPlayed(state);
}

for (const when of ["before", "after"]) {
  $(`pt-${when}-save`).addEventListener("click", async () => {
    const args = { when };
    for (const name of ["mood", "anxiety"]) {
      const value = $(`pt-${when}-${name}`).value;
      if (value !== "") args[name] = Number(value);
    }
    if (Object.keys(args).length === 1) { say("Choose the mood or the anxiety first."); return; }
    const result = await panel.send("mood", args, `Mood ${when}`);
    if (result && result.ok) say(`Mood and anxiety ${when} recorded.`, true);
    else say(result && result.reason ? result.reason : "Not recorded.");
  });
}

$("pt-ratings-save").addEventListener("click", async () => {
  let sent = 0;
  for (const div of $("pt-ratings").children) {
    const pressed = div.querySelector("[aria-pressed=true]");
    const resonance = div.querySelector(".pt-resonance").value;
    if (!pressed && resonance === "") continue;
    const args = { target: div.dataset.target, item: div.dataset.name };
    if (pressed) args.feeling = pressed.dataset.feeling;
    if (resonance !== "") args.resonance = Number(resonance);
    const result = await panel.send("rating", args, "Rating");
    if (!(result && result.ok)) { say(result && result.reason ? result.reason : "Not recorded."); return; }
    sent += 1;
    div.classList.add("saved");
  }
  say(sent ? `${sent} rating(s) recorded.` : "Choose a feeling or a resonance first.", sent > 0);
});

function openQuestionnaire(name) {
  const form = $("pt-questionnaire");
  const instrument = INSTRUMENTS[name];
  form.hidden = false;
  form.dataset.instrument = name;
  form.innerHTML = `<p class="pt-stem"><strong>${name}</strong> ${instrument.stem}</p>` +
    instrument.items.map((item, i) => `
    <fieldset class="pt-item"><legend>${i + 1}. ${item}</legend>
      ${CHOICES.map((choice, value) => `<label><input type="radio" name="q${i}" value="${value}"> ${choice}</label>`).join("")}
    </fieldset>`).join("") +
    `<button type="submit" class="wide-button">Record ${name}</button>`;
  form.querySelector("input").focus();
}

for (const button of card.querySelectorAll("[data-instrument]")) {
  button.addEventListener("click", () => openQuestionnaire(button.dataset.instrument));
}

$("pt-questionnaire").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = $("pt-questionnaire");
  const name = form.dataset.instrument;
  const answers = INSTRUMENTS[name].items.map((_, i) => {
    const checked = form.querySelector(`input[name=q${i}]:checked`);
    return checked ? Number(checked.value) : null;
  });
  const missing = answers.findIndex((a) => a === null);
  if (missing >= 0) { say(`Answer item ${missing + 1} first.`); return; }
  const result = await panel.send("questionnaire", { instrument: name, answers: answers.join(",") }, name);
  if (result && result.ok) {
    const total = answers.reduce((a, b) => a + b, 0);
    if (name === "PHQ-9" && answers[8] > 0) {
      say(`${name} recorded: score ${total}. Item 9 (thoughts of death or self-harm) was answered above 0: follow up.`);
    } else {
      say(`${name} recorded: score ${total}.`, true);
    }
    form.hidden = true;
    form.replaceChildren();
  } else {
    say(result && result.reason ? result.reason : "Not recorded.");
  }
});

if (panel) {
  panel.onState(render);
  if (panel.state) render(panel.state);
}
