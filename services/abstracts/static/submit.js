/* The submit page, enhanced: a live word count and author rows added or removed in place.
   Without JavaScript the same buttons post the form and the page comes back with one row more or less. */
(function () {
  "use strict";
  var form = document.getElementById("abstract-form");
  if (!form) { return; }
  /* The page's own words (data-wording: its language's sentences with %(name)s placeholders); English without. */
  var WORDING = JSON.parse(form.dataset.wording || "{}");
  var PLURAL = new Intl.PluralRules(document.documentElement.lang || "en");
  function say(key, english, values) {
    return (WORDING[key] || english).replace(/%\((\w+)\)s/g, function (_whole, name) { return String(values[name]); });
  }

  /* The rule of domain.count_words (services/abstracts/domain.py); keep the two in step. */
  var CJK = [[0x3040, 0x30FF], [0x31F0, 0x31FF], [0x3400, 0x4DBF], [0x4E00, 0x9FFF], [0xF900, 0xFAFF],
    [0xFF66, 0xFF9D], [0x20000, 0x3134F]];
  var SPACE = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
  var LETTER = /\p{L}/u;
  var LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
  function isCjk(ch) {
    var point = ch.codePointAt(0);
    return CJK.some(function (r) { return point >= r[0] && point <= r[1]; }) && LETTER.test(ch);
  }
  function countWords(text) {
    var total = 0;
    text.split(SPACE).forEach(function (token) {
      var inRun = false;
      for (var ch of token) {
        if (isCjk(ch)) { total += 1; inRun = false; }
        else if (LETTER_OR_DIGIT.test(ch) && !inRun) { total += 1; inRun = true; }
      }
    });
    return total;
  }
  window.abstractWordCount = countWords;

  var text = document.getElementById("text");
  var format = document.getElementById("format");
  var shown = document.getElementById("text-count");
  var spoken = document.getElementById("text-count-live");
  var limits = JSON.parse(text.dataset.limits || "{}");
  var quiet = null;
  function updateCount() {
    var n = countWords(text.value);
    var limit = limits[format.value];
    var one = PLURAL.select(n) === "one";  /* the page language's rule: French says "0 mot", English "0 words" */
    var words = one ? say("word", "%(num)s word", {num: n}) : say("words", "%(num)s words", {num: n});
    if (limit) {
      words += " \u2014 " + say("needs", "a %(format)s needs %(least)s\u2013%(most)s",
        {format: (WORDING.formats || {})[format.value] || format.value, least: limit[0], most: limit[1]});
    }
    shown.textContent = words;
    shown.classList.toggle("out", Boolean(limit) && (n < limit[0] || n > limit[1]));
    clearTimeout(quiet);  /* screen readers hear the count once the author pauses, not on every key */
    quiet = setTimeout(function () { spoken.textContent = words; }, 1000);
  }
  text.addEventListener("input", updateCount);
  format.addEventListener("change", updateCount);

  /* A symposium's chair, discussant and papers: shown only when the symposium format is chosen, so that no one
     else tabs through them (without JavaScript the section stays visible and is ignored for other formats). */
  var symposium = document.getElementById("symposium");
  function showSymposium() {
    if (symposium) { symposium.hidden = format.value !== "symposium"; }
  }
  format.addEventListener("change", showSymposium);
  showSymposium();

  var rows = document.getElementById("author-rows");
  var rowCount = form.querySelector("input[name=rows]");
  var add = document.getElementById("add-author");
  var said = document.getElementById("rows-live");
  var most = Number(rows.dataset.max);
  function authorRows() { return rows.querySelectorAll("fieldset.author"); }
  function renumber() {
    var all = authorRows();
    all.forEach(function (row, i) {
      row.querySelector("legend").textContent = say("author", "Author %(number)s", {number: i + 1});
      row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/authors([.-])\d+([.-])/g, "authors$1" + i + "$2")); }
        });
      });
      var remove = row.querySelector("button[data-remove]");
      remove.value = "remove-" + i;
      remove.textContent = say("remove", "Remove author %(number)s", {number: i + 1});
      remove.hidden = all.length === 1;
    });
    rowCount.value = String(all.length);
    add.hidden = all.length >= most;
  }
  function blank(row) {
    row.querySelectorAll("input, select").forEach(function (el) {
      if (el.type === "checkbox") { el.checked = false; el.defaultChecked = false; }
      else if (el.tagName === "SELECT") {
        el.querySelectorAll("option[selected]").forEach(function (o) { o.removeAttribute("selected"); });
        el.selectedIndex = 0;
      } else { el.value = ""; el.defaultValue = ""; }
      el.removeAttribute("aria-invalid");
      el.removeAttribute("autofocus");
      var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && !/-error$/.test(id);
      });
      if (ids.length) { el.setAttribute("aria-describedby", ids.join(" ")); } else { el.removeAttribute("aria-describedby"); }
    });
    row.querySelectorAll(".error").forEach(function (message) {
      var before = message.previousElementSibling;
      if (before && before.tagName === "BR") { before.remove(); }
      message.remove();
    });
  }
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=action]");
    if (!button) { return; }
    if (button.value === "add-author") {
      event.preventDefault();
      var all = authorRows();
      var copy = all[all.length - 1].cloneNode(true);
      blank(copy);
      rows.appendChild(copy);
      renumber();
      copy.querySelector("input").focus();
      said.textContent = say("added", "Author %(number)s added.", {number: authorRows().length});
    } else if (/^remove-\d+$/.test(button.value)) {
      event.preventDefault();
      var row = button.closest("fieldset.author");
      var next = row.nextElementSibling;
      row.remove();
      renumber();
      (next ? next.querySelector("input") : add.hidden ? text : add).focus();
      said.textContent = say("removed", "Author removed; %(left)s left.", {left: authorRows().length});
    }
  });
}());
