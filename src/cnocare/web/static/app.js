// cnocare clinic app: small progressive enhancements. Every page works without this file.
// Loaded as an external script (the Content-Security-Policy forbids inline scripts and handlers).
(function () {
  "use strict";

  // Skeleton map: a bone opens the lesion form with site and side filled in.
  function openLesionForm(container, bone) {
    var url = container.getAttribute("data-add-url");
    if (!url) { return; }
    var params = new URLSearchParams();
    params.set("site", bone.getAttribute("data-site"));
    var side = bone.getAttribute("data-side");
    if (side) { params.set("side", side); }
    var asOf = container.getAttribute("data-as-of");
    if (asOf) { params.set("date", asOf); }
    window.location.assign(url + (url.indexOf("?") >= 0 ? "&" : "?") + params.toString());
  }

  function wireSkeleton(container) {
    var bones = container.querySelectorAll("[data-site]");
    Array.prototype.forEach.call(bones, function (bone) {
      if (!bone.hasAttribute("tabindex")) { bone.setAttribute("tabindex", "0"); }
      if (!bone.hasAttribute("role")) { bone.setAttribute("role", "button"); }
      bone.addEventListener("click", function (event) {
        event.preventDefault();
        openLesionForm(container, bone);
      });
      bone.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " " || event.key === "Spacebar") {
          event.preventDefault();
          openLesionForm(container, bone);
        }
      });
    });
  }

  // A select marked data-autosubmit submits its form on change (the as-of date, the lab test).
  // Forms name a button data-reload-button so the server re-renders without saving anything.
  function wireAutosubmit(select) {
    select.addEventListener("change", function () {
      var form = select.form;
      if (!form) { return; }
      var reload = form.querySelector("[data-reload-button]");
      if (reload) { reload.click(); } else { form.submit(); }
    });
  }

  // Move focus to the validation summary so screen-reader users hear what went wrong.
  function focusSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary && summary.textContent.trim() !== "") {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  }

  // A void or delete button asks before it sends (the reason field is still required by the server).
  function wireConfirm(button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-skeleton]"), wireSkeleton);
    Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"), wireAutosubmit);
    Array.prototype.forEach.call(document.querySelectorAll("[data-confirm]"), wireConfirm);
    focusSummary();
  });
}());
