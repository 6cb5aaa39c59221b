/* Back office, progressive enhancement only: every page works without this file.
   - Rows of a queue open their complaint when clicked anywhere (the tracking ID stays the
     keyboard link).
   - "Select all" for the bulk actions on the verification queue.
   - Choosing a canned response fills the follow-up text (the "use" button does the same
     without JavaScript). */
(function () {
  "use strict";

  document.querySelectorAll("tr[data-row-link]").forEach(function (row) {
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, button, input, label, select, textarea")) {
        return;
      }
      var link = row.querySelector("a[href]");
      if (link) {
        window.location.href = link.href;
      }
    });
  });

  var selectAll = document.querySelector("[data-select-all]");
  if (selectAll) {
    var form = selectAll.closest("form");
    var boxes = form.querySelectorAll('input[type="checkbox"][name="complaints"]');
    selectAll.hidden = false;
    selectAll.addEventListener("change", function () {
      boxes.forEach(function (box) {
        box.checked = selectAll.checked;
      });
    });
  }

  var bodiesScript = document.getElementById("canned-bodies");
  var bodies = bodiesScript ? JSON.parse(bodiesScript.textContent) : {};
  document.querySelectorAll('select[name$="canned"]').forEach(function (select) {
    var form = select.closest("form");
    var textarea = form.querySelector('textarea[name$="body"]');
    var useButton = form.querySelector("[data-canned-use]");
    if (useButton) {
      useButton.hidden = true;
    }
    select.addEventListener("change", function () {
      var body = bodies[select.value];
      if (body && textarea) {
        textarea.value = body;
        textarea.focus();
      }
    });
  });
})();
