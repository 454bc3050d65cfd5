// The education pages' print button: shown only when this script runs (printing needs it), so a page
// without scripts shows no button that does nothing. The browser's own print works either way.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      var holder = button.closest("[hidden]");
      if (holder) { holder.hidden = false; }
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
