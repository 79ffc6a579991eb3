// The live page: server-sent events in, one line per event out; filters, pause/resume, detail, figures.
"use strict";
(() => {
  const MAX_KEPT = 2000, MAX_SHOWN = 500;
  const $ = (id) => document.getElementById(id);
  const list = $("events"), status = $("status"), pauseBtn = $("pause");
  // The filters apply as they change; the form is never submitted (no inline handler: the CSP forbids it).
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  const state = { entries: [], incoming: [], held: [], paused: false, contexts: new Set(), types: new Set(),
                  flushQueued: false };

  const filters = () => ({ context: $("f-context").value, type: $("f-type").value,
                           subject: $("f-subject").value.trim() });
  const matches = (v, f) => (!f.context || v.context === f.context) && (!f.type || v.type === f.type) &&
                            (!f.subject || (v.subject || "").includes(f.subject) || (v.key || "") === f.subject);

  function span(cls, text) { const s = document.createElement("span"); s.className = cls; s.textContent = text; return s; }

  function row(v) {
    const li = document.createElement("li");
    li.className = `event kind-${v.kind}`;
    li.dataset.seq = v.seq; li.dataset.type = v.type; li.dataset.context = v.context; li.dataset.subject = v.subject;
    li.tabIndex = 0;
    const time = document.createElement("time"); time.dateTime = v.time; time.textContent = v.local_time;
    const subject = document.createElement("a");
    subject.className = "subject"; subject.textContent = v.subject || "—";
    subject.href = `/delegates/${encodeURIComponent(v.subject || v.key || "")}`;
    subject.addEventListener("click", (e) => e.stopPropagation());
    const summary = document.createElement("span"); summary.className = "summary"; summary.dir = "ltr"; summary.textContent = v.summary || "";
    li.append(time, " ", span(`ctx ctx-${v.context}`, v.context), " ", span("type", v.name), " ", subject, " ", summary);
    li.addEventListener("click", () => showDetail(v, li));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter") showDetail(v, li); });
    return li;
  }

  function showDetail(v, li) {
    list.querySelectorAll(".selected").forEach((el) => el.classList.remove("selected"));
    li.classList.add("selected");
    $("detail-json").textContent = JSON.stringify(v.doc ?? v, null, 2);
    $("detail").hidden = false;
  }

  function addOption(select, set, value) {
    if (!value || set.has(value)) return;
    set.add(value);
    const option = document.createElement("option"); option.value = value; option.textContent = value;
    select.appendChild(option);
  }

  function flush() {
    state.flushQueued = false;
    const f = filters(), fragment = document.createDocumentFragment();
    for (const v of state.incoming) {
      state.entries.push(v);
      addOption($("f-context"), state.contexts, v.context);
      addOption($("f-type"), state.types, v.type);
      if (matches(v, f)) fragment.prepend(row(v));
    }
    state.incoming = [];
    if (state.entries.length > MAX_KEPT) state.entries.splice(0, state.entries.length - MAX_KEPT);
    list.prepend(fragment);
    while (list.children.length > MAX_SHOWN) list.lastElementChild.remove();
    updateCount();
  }

  function render() {
    const f = filters(), fragment = document.createDocumentFragment();
    const shown = state.entries.filter((v) => matches(v, f)).slice(-MAX_SHOWN).reverse();
    shown.forEach((v) => fragment.appendChild(row(v)));
    list.replaceChildren(fragment);
    updateCount();
  }

  function updateCount() {
    $("shown").textContent = `${list.children.length} shown` + (state.paused ? ` · ${state.held.length} new (paused)` : "");
  }

  function receive(v) {
    if (state.paused) { state.held.push(v); updateCount(); return; }
    state.incoming.push(v);
    if (!state.flushQueued) { state.flushQueued = true; requestAnimationFrame(flush); }
  }

  pauseBtn.addEventListener("click", () => {
    state.paused = !state.paused;
    pauseBtn.textContent = state.paused ? "Resume" : "Pause";
    pauseBtn.setAttribute("aria-pressed", String(state.paused));
    if (!state.paused) { const held = state.held; state.held = []; held.forEach(receive); }
    updateCount();
  });
  for (const id of ["f-context", "f-type"]) $(id).addEventListener("change", render);
  $("f-subject").addEventListener("input", render);
  $("close-detail").addEventListener("click", () => { $("detail").hidden = true; });

  const source = new EventSource("/api/stream");
  source.addEventListener("open", () => { status.textContent = "live"; status.className = "live"; });
  source.addEventListener("error", () => { status.textContent = "reconnecting…"; status.className = "down"; });
  source.addEventListener("entry", (e) => receive(JSON.parse(e.data)));
  source.addEventListener("figures", (e) => window.renderFigures(JSON.parse(e.data)));
})();
