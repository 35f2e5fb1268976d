// After the session's end: the patient is back, the picture and sound stay faded out, and the
// panel stays for what is entered then (ratings, mood, vitals, medicine, notes, the closing
// entries). This card says so and holds "Close the session", which ends the program with the
// record closed as ended. Shown only when the app stays after the end (state.after_end is
// "stay"); it hooks in through window.companionPanel (panel.js): send(), confirmThen(), onState().

const panel = window.companionPanel;

const card = document.createElement("section");
card.className = "card after-end";
card.id = "after-end";
card.hidden = true;
card.setAttribute("role", "status");
card.innerHTML = `
  <h2>The session has ended</h2>
  <p id="after-end-text">The picture and sound stay faded out. Take the ratings, mood and
  anxiety, vitals and the closing entries now, then close the session.</p>
  <button id="btn-close-session" class="danger" type="button">Close the session</button>`;
document.querySelector("main")?.prepend(card) ?? document.body.prepend(card);

const button = card.querySelector("#btn-close-session");
button.addEventListener("click", async () => {
  const yes = await panel.confirmThen(
    "Close the session? The record is closed as ended and the program exits; nothing more can be entered.",
    { yes: "Close the session" });
  if (yes) panel.send("close", {}, "Close the session");
});

function render(s) {
  const staying = Boolean(s && s.state === "ended" && s.after_end === "stay");
  card.hidden = !staying;
  button.disabled = !staying || Boolean(s.closed);
  if (staying && s.ended_at_wall) {
    const at = new Date(s.ended_at_wall * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    card.querySelector("h2").textContent = `The session ended at ${at}`;
  }
}

if (panel) {
  panel.onState(render);
  if (panel.state) render(panel.state);
}
