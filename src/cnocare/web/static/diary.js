// The family diary form: the browser's time zone, faces or numbers, the body map, a draft kept on the
// phone, and a save that survives a weak connection. The form works without this file (plain POST).
(function () {
  "use strict";

  var SCALE_KEY = "cnocare-pain-scale";

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function say(form, text, problem) {
    var status = form.querySelector("#diary-status");
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("diary-status-problem", !!problem);
  }

  // Time zone from the browser (Intl); the select stays as the fallback choice.
  function wireZone(form) {
    var select = form.querySelector("#time_zone");
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    if (!select || !zone || select.value === zone) { return false; }
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
    if (!known) { return false; }
    if (form.getAttribute("data-zone-reload") === "yes") {
      // A fresh form (never a refused one, whose answers must stay): the default day depends on the zone,
      // so ask the server again with the browser's zone.
      var url = new URL(window.location.href);
      url.searchParams.set("tz", zone);
      window.location.replace(url.toString());
      return true;
    }
    select.value = zone;
    return false;
  }

  // Faces and numbers are one question: switching keeps the score when the other scale has it (a face's
  // 0, 2, ... 10 are all numbers; a number without a face is left for the family to choose again).
  function showScale(form, scale) {
    var chosen = form.querySelector("input[name=pain_0_10]:checked");
    var value = chosen ? chosen.value : null;
    Array.prototype.forEach.call(form.querySelectorAll("[data-scale]"), function (set) {
      var on = set.getAttribute("data-scale") === scale;
      set.hidden = !on;
      set.disabled = !on;
    });
    if (chosen) { chosen.checked = false; }
    var same = value === null ? null
      : form.querySelector('[data-scale="' + scale + '"] input[name=pain_0_10][value="' + value + '"]');
    if (same) { same.checked = true; }
  }

  function wireScale(form) {
    var radios = form.querySelectorAll("input[name=pain_scale]");
    Array.prototype.forEach.call(radios, function (radio) {
      radio.addEventListener("change", function () {
        showScale(form, radio.value);
        var s = storage();
        if (s) { s.setItem(SCALE_KEY, radio.value); }
      });
    });
    var remembered = storage() && storage().getItem(SCALE_KEY);
    if (remembered && form.getAttribute("data-fresh") === "yes" && !form.querySelector("input[name=version]")) {
      Array.prototype.forEach.call(radios, function (r) { r.checked = r.value === remembered; });
      showScale(form, remembered);
    }
  }

  function paint(form, box) {
    var shape = form.querySelector('[data-area="' + box.value + '"]');
    if (shape) { shape.classList.toggle("is-painful", box.checked); }
  }

  function wireBodyMap(form) {
    var boxes = form.querySelectorAll("input[data-area-box]");
    var nowhere = form.querySelector("input[name=area][value=nowhere]");
    Array.prototype.forEach.call(boxes, function (box) {
      box.addEventListener("change", function () {
        paint(form, box);
        if (box.checked && nowhere) { nowhere.checked = false; }
      });
    });
    if (nowhere) {
      nowhere.addEventListener("change", function () {
        if (!nowhere.checked) { return; }
        Array.prototype.forEach.call(boxes, function (box) { box.checked = false; paint(form, box); });
      });
    }
    // A tap on the figure ticks the matching box (the boxes stay the keyboard and screen-reader way in).
    Array.prototype.forEach.call(form.querySelectorAll("[data-area]"), function (shape) {
      shape.addEventListener("click", function () {
        var box = form.querySelector('input[data-area-box="' + shape.getAttribute("data-area") + '"]');
        if (!box) { return; }
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", {bubbles: true}));
      });
    });
  }

  function wireSigns(form) {
    var signs = form.querySelectorAll("input[name=sign]");
    var none = form.querySelector("input[name=signs_any][value=none]");
    var some = form.querySelector("input[name=signs_any][value=some]");
    Array.prototype.forEach.call(signs, function (sign) {
      sign.addEventListener("change", function () { if (sign.checked && some) { some.checked = true; } });
    });
    if (none) {
      none.addEventListener("change", function () {
        if (none.checked) { Array.prototype.forEach.call(signs, function (s) { s.checked = false; }); }
      });
    }
  }

  // A draft on this phone: every change is kept until the entry is saved.
  function fields(form) {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "version" || el.matches(":disabled")) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      out.push([el.name, el.value]);
    });
    return out;
  }

  function keepDraft(form) {
    var s = storage();
    if (!s) { return; }
    try {
      s.setItem(form.getAttribute("data-draft-key"), JSON.stringify({fields: fields(form)}));
    } catch (e) { /* storage full or refused: the form itself still holds what was typed */ }
  }

  function restoreDraft(form) {
    var s = storage();
    var raw = s && s.getItem(form.getAttribute("data-draft-key"));
    if (!raw || form.getAttribute("data-fresh") !== "yes") { return; }
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return; }
    var chosen = {};
    (draft.fields || []).forEach(function (pair) { (chosen[pair[0]] = chosen[pair[0]] || []).push(pair[1]); });
    if (chosen.pain_scale) { showScale(form, chosen.pain_scale[0]); }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "version" || el.matches(":disabled")) { return; }
      var wanted = chosen[el.name];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = !!wanted && wanted.indexOf(el.value) >= 0;
        if (el.hasAttribute("data-area-box")) { paint(form, el); }
      } else if (wanted) {
        el.value = wanted[0];
      }
    });
    say(form, "What you typed earlier on this phone is back. It is not saved yet: press Save.", false);
  }

  function dropDraft(form) {
    var s = storage();
    if (s) { s.removeItem(form.getAttribute("data-draft-key")); }
  }

  function wireSave(form) {
    var plain = false;
    form.addEventListener("submit", function (event) {
      if (plain || !window.fetch || !window.FormData) { return; }
      event.preventDefault();
      keepDraft(form);
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      say(form, "Saving…", false);
      window.fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                                 headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (response.status === 422 || response.status === 409) {
            // Refused (nothing saved): send it the ordinary way, so each problem shows beside its answer.
            plain = true;
            form.submit();
            return null;
          }
          var json = response.ok && (response.headers.get("content-type") || "").indexOf("json") >= 0;
          if (!json) { throw new Error("status " + response.status); }
          return response.json().then(function (body) {
            dropDraft(form);
            window.location.assign(body.location);
          });
        })
        .catch(function () {
          if (button) { button.disabled = false; }
          say(form, "Not saved: the connection failed or the server did not answer. What you typed is kept here and on this phone; " +
                    "press Save again when you have a signal.", true);
        });
    });
  }

  function wire(form) {
    if (wireZone(form)) { return; }
    wireScale(form);
    wireBodyMap(form);
    wireSigns(form);
    restoreDraft(form);
    form.addEventListener("input", function () { keepDraft(form); });
    form.addEventListener("change", function () { keepDraft(form); });
    wireSave(form);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("diary-form");
    if (form) { wire(form); }
  });
}());
