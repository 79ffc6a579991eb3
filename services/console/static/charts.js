// Small inline-SVG charts for the console: horizontal bars and hourly columns. No libraries.
"use strict";
const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(name, attrs, text) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

// rows: [[label, value, extra?]]; extra is a capacity drawn as the bar's full width.
function barChart(container, rows, opts = {}) {
  const rowH = 18, labelW = opts.labelWidth || 110, width = 360, barW = width - labelW - 50;
  const max = Math.max(1, ...rows.map(r => r[2] || r[1]));
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${Math.max(rowH, rows.length * rowH)}`, role: "img",
                             "aria-label": opts.label || "bar chart", class: "bars" });
  rows.forEach(([label, value], i) => {
    const y = i * rowH;
    svg.appendChild(svgEl("text", { x: labelW - 6, y: y + 13, "text-anchor": "end", class: "label" }, label));
    svg.appendChild(svgEl("rect", { x: labelW, y: y + 3, width: Math.max(1, (value / max) * barW), height: rowH - 6,
                                    class: "bar" }));
    svg.appendChild(svgEl("text", { x: labelW + (value / max) * barW + 4, y: y + 13, class: "value" }, String(value)));
  });
  if (!rows.length) svg.appendChild(svgEl("text", { x: 0, y: 13, class: "label" }, "nothing yet"));
  container.replaceChildren(svg);
}

// points: [[label, value]] in time order (one per hour).
function columnChart(container, points, opts = {}) {
  const width = 360, height = 110, bottom = 18, gap = 2;
  const max = Math.max(1, ...points.map(p => p[1]));
  const colW = points.length ? Math.min(28, (width - gap * points.length) / points.length) : 0;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": opts.label || "columns",
                             class: "columns" });
  points.forEach(([label, value], i) => {
    const h = (value / max) * (height - bottom - 12), x = i * (colW + gap);
    svg.appendChild(svgEl("rect", { x, y: height - bottom - h, width: colW, height: Math.max(1, h), class: "bar" },
                          undefined)).appendChild(svgEl("title", {}, `${label}: ${value}`));
    svg.appendChild(svgEl("text", { x: x + colW / 2, y: height - bottom - h - 2, "text-anchor": "middle",
                                    class: "value" }, String(value)));
    if (points.length <= 12 || i % Math.ceil(points.length / 12) === 0)
      svg.appendChild(svgEl("text", { x: x + colW / 2, y: height - 4, "text-anchor": "middle", class: "label" },
                            label.slice(11, 13) + "h"));
  });
  if (!points.length) svg.appendChild(svgEl("text", { x: 0, y: 13, class: "label" }, "no check-ins yet"));
  container.replaceChildren(svg);
}
