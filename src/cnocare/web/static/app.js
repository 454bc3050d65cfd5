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

  // One tab stop per view: the arrow keys move to the nearest bone in that direction (Home/End: the
  // first and last bone), and the bone reached becomes the view's tab stop (a "roving tabindex").
  var ARROWS = {ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0]};

  function middle(el) {
    var r = el.getBoundingClientRect();
    return [r.left + r.width / 2, r.top + r.height / 2];
  }

  function nearest(bone, bones, direction) {
    var from = middle(bone), best = null, bestScore = Infinity;
    Array.prototype.forEach.call(bones, function (other) {
      if (other === bone) { return; }
      var to = middle(other), dx = to[0] - from[0], dy = to[1] - from[1];
      var along = dx * direction[0] + dy * direction[1];
      var across = Math.abs(dx * direction[1] - dy * direction[0]);
      if (along <= 0) { return; }
      var score = along + 2 * across;
      if (score < bestScore) { bestScore = score; best = other; }
    });
    return best;
  }

  function moveTo(bones, from, to) {
    if (!to) { return; }
    from.setAttribute("tabindex", "-1");
    to.setAttribute("tabindex", "0");
    to.focus();
  }

  function wireSkeleton(container) {
    var bones = container.querySelectorAll("[data-site]");
    Array.prototype.forEach.call(container.querySelectorAll("svg"), function (svg) {
      var inView = svg.querySelectorAll("[data-site]");
      Array.prototype.forEach.call(inView, function (bone) {
        bone.addEventListener("keydown", function (event) {
          var direction = ARROWS[event.key];
          var target = direction ? nearest(bone, inView, direction)
            : event.key === "Home" ? inView[0] : event.key === "End" ? inView[inView.length - 1] : null;
          if (direction || target) {
            event.preventDefault();
            moveTo(inView, bone, target);
          }
        });
      });
    });
    Array.prototype.forEach.call(bones, function (bone) {
      if (!bone.hasAttribute("tabindex")) { bone.setAttribute("tabindex", "-1"); }
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

  // Signing out leaves nothing of the diary on a shared phone: the drafts diary.js keeps for a weak
  // connection hold health answers, so they go with the session.
  function forgetDiaryDrafts() {
    var store;
    try { store = window.localStorage; } catch (e) { return; }
    if (!store) { return; }
    Object.keys(store).filter(function (k) { return k.indexOf("cnocare-diary:") === 0; })
      .forEach(function (k) { store.removeItem(k); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll('form[action="/logout"]'), function (form) {
      form.addEventListener("submit", forgetDiaryDrafts);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-skeleton]"), wireSkeleton);
    Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"), wireAutosubmit);
    Array.prototype.forEach.call(document.querySelectorAll("[data-confirm]"), wireConfirm);
    focusSummary();
  });
}());
