// New reminders start in the browser's time zone (Intl) when the zone list has it; reminders already set,
// or a refused form, keep the zone they show.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("select[data-zone=fresh]");
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    if (!select || !zone || !Array.prototype.some.call(select.options, function (o) { return o.value === zone; })) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-zone=fresh]"), function (field) {
      field.value = zone;
    });
  });
})();
