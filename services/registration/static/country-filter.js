/* The country list, enhanced: a filter box above each <select data-filter> that hides the countries whose
   name does not contain what is typed (case and accents aside: "etats" finds "États-Unis").
   Without JavaScript the select works as it is (and a browser's select jumps to a name as you type). */
(function () {
  "use strict";
  function folded(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  document.querySelectorAll("select[data-filter]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.id = select.id + "-filter";
    box.setAttribute("aria-label", select.dataset.filter);
    box.setAttribute("aria-controls", select.id);
    box.placeholder = select.dataset.filter;
    box.autocomplete = "off";
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(document.createElement("br"), select);
    box.addEventListener("input", function () {
      var wanted = folded(box.value.trim());
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var shown = !option.value || !wanted || folded(option.text).indexOf(wanted) !== -1;
        option.hidden = !shown;
        if (shown && option.value && first === null) { first = option; }
      });
      var chosen = select.options[select.selectedIndex];
      if (first && (!chosen || chosen.hidden || !chosen.value)) { select.value = first.value; }
    });
  });
}());
