// The figures panel: cards, charts and tables from the /api/figures document (pushed as SSE "figures").
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);

  function money(minor, currency) {
    try {
      const fmt = new Intl.NumberFormat(undefined, { style: "currency", currency });
      const digits = fmt.resolvedOptions().maximumFractionDigits;
      return fmt.format(minor / 10 ** digits);
    } catch (e) { return `${currency} ${minor}`; }
  }
  const moneyList = (byCurrency) => Object.entries(byCurrency || {}).map(([c, m]) => money(m, c)).join(" · ") || "—";

  function card(label, value, id) {
    const div = document.createElement("div"); div.className = "card"; if (id) div.id = id;
    const v = document.createElement("strong"); v.textContent = value;
    const l = document.createElement("span"); l.textContent = label;
    div.append(v, l); return div;
  }

  function table(el, head, rows) {
    const thead = `<tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr>`;
    el.innerHTML = thead;
    for (const cells of rows) {
      const tr = document.createElement("tr");
      for (const c of cells) {
        const td = document.createElement("td");
        if (c instanceof Node) td.appendChild(c); else td.textContent = c;
        tr.appendChild(td);
      }
      el.appendChild(tr);
    }
    if (!rows.length) el.insertAdjacentHTML("beforeend", `<tr><td colspan="${head.length}" class="muted">nothing yet</td></tr>`);
  }

  function fill(booked, capacity) {
    const meter = document.createElement("meter");
    meter.min = 0; meter.max = capacity || Math.max(booked, 1); meter.value = booked;
    if (capacity) { meter.high = capacity * 0.9; meter.optimum = 0; }
    return meter;
  }

  window.renderFigures = (f) => {
    const r = f.registrations, b = f.badges, a = f.abstracts;
    $("cards").replaceChildren(
      card(`abstracts · ${a.accepted} accepted · ${a.reviews} reviews`
        + (f.presenters && f.presenters.unregistered ? ` · ${f.presenters.unregistered} without a registered presenter` : ""),
        a.submitted, "fig-abstracts"),
      card(a.programme ? `sessions · programme v${a.programme.programme_version}` : "sessions · not published",
        a.programme ? a.programme.sessions : 0, "fig-sessions"),
      card("registrations", r.active, "fig-registrations"),
      card(`confirmed · ${r.pending} pending`, r.confirmed, "fig-confirmed"),
      card("cancelled", r.cancelled),
      card("revenue", moneyList(f.revenue.by_currency), "fig-revenue"),
      card(`invoices unpaid · ${moneyList(f.invoices_unpaid.by_currency)}`, f.invoices_unpaid.count, "fig-unpaid"),
      card(`badges issued · ${b.printed} printed`
        + (b.text_replaced ? ` · ${b.text_replaced} with a name not printable as typed` : ""), b.issued, "fig-badges"),
      card("checked in", f.checkins.total, "fig-checkins"),
      card(`emails sent · ${f.emails.failed} failed`, f.emails.sent, "fig-emails"),
      card("payments failed", f.payments_failed),
      card("dead letters", f.dead_letters.count, "fig-dead"),
      card("events", f.events_total, "fig-events"),
    );
    barChart($("chart-category"), Object.entries(r.by_category), { label: "registrations by category" });
    barChart($("chart-country"), Object.entries(r.by_country).slice(0, 20), { label: "registrations by country", labelWidth: 40 });
    table($("revenue"), ["method", "net revenue"], Object.entries(f.revenue.by_method).map(([m, c]) => [m, moneyList(c)])
      .concat(Object.keys(f.revenue.refunded).length ? [["refunded", moneyList(f.revenue.refunded)]] : []));
    table($("add-ons"), ["add-on", "booked", "capacity", "fill"], Object.entries(f.add_ons).map(([code, a]) =>
      [a.label, String(a.booked), a.capacity == null ? "—" : String(a.capacity), fill(a.booked, a.capacity)]));
    columnChart($("chart-checkins"), Object.entries(f.checkins.by_hour), { label: "check-ins per hour" });
    table($("lag"), ["consumer group", "lag"], Object.entries(f.consumer_lag.groups).map(([g, l]) => [g, String(l.total)]));
    table($("broadcasts"), ["subject", "segment", "recipients", "sent", "failed", "by"], (f.broadcasts || []).map((m) =>
      [m.subject, m.segment, String(m.total), String(m.sent), String(m.failed), m.requested_by]));
    const dead = $("dead");
    dead.replaceChildren(...f.dead_letters.recent.map((d) => {
      const li = document.createElement("li");
      li.textContent = `${d.consumer || "?"} · ${d.topic || "?"}: ${d.reason}`;
      return li;
    }));
  };
})();
