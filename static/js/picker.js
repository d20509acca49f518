// A long drop-down (a catalog of 75+ service items) gets a search box: typing keeps the options whose
// text contains what was typed, in any language, grouped as before. Applies to <select data-searchable>.
(function () {
  "use strict";
  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "picker-search";
    box.placeholder = select.dataset.searchable;
    box.setAttribute("aria-label", select.dataset.searchable);
    box.autocomplete = "off";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var needle = box.value.trim().toLowerCase(), first = null;
      select.querySelectorAll("option").forEach(function (option) {
        var match = !option.value || !needle || option.textContent.toLowerCase().indexOf(needle) !== -1;
        option.hidden = !match;
        if (match && option.value && !first) first = option;
      });
      select.querySelectorAll("optgroup").forEach(function (group) {
        group.hidden = !Array.prototype.some.call(group.querySelectorAll("option"), function (o) { return !o.hidden; });
      });
      // One match left: choose it, so that a phone user need not open the list at all.
      var visible = Array.prototype.filter.call(select.querySelectorAll("option"), function (o) { return o.value && !o.hidden; });
      if (visible.length === 1) select.value = visible[0].value;
      else if (first && select.selectedOptions.length && select.selectedOptions[0].hidden) select.value = "";
    });
  });
})();
