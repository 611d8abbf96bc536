/* SScore PRO: progressive enhancement only. Every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var DRAFT = "sscore-draft:";

  function onReady(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  /* GOV.UK error summary: focus it on load; links focus the field (or its legend) without jumping under headers. */
  function errorSummary() {
    var summary = document.querySelector("[data-module='error-summary']");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a");
      if (!link || link.getAttribute("href").charAt(0) !== "#") { return; }
      var id = link.getAttribute("href").slice(1);
      var input = document.getElementById(id);
      if (!input) { return; }
      if (!input.offsetParent && document.getElementById(id + "-track")) { input = document.getElementById(id + "-track"); }
      event.preventDefault();
      var legend = input.closest("fieldset") && input.closest("fieldset").querySelector("legend");
      (legend || input).scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  /* Stop a double tap from sending a form twice (the server is idempotent anyway). */
  function preventDoubleClick() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-prevent-double-click]");
      if (!button) { return; }
      if (button.dataset.clicked) { event.preventDefault(); return; }
      button.dataset.clicked = "1";
      setTimeout(function () { delete button.dataset.clicked; }, 1500);
    });
  }

  /* Visual analogue scale: a 0-100 line with no preset mark. A tap or click places the mark (no dragging),
     -/+ and the arrow keys move it. The number field it replaces stays the form value. */
  function vas(root) {
    var code = root.getAttribute("data-vas"), input = document.getElementById(code);
    var skip = document.getElementById(code + "-skip");
    var track = el("div", "vas__track"), mark = el("span", "vas__mark"), out = el("p", "vas__value");
    var less = el("button", "vas__step", "\u2212"), more = el("button", "vas__step", "+");
    var controls = el("div", "vas__controls"), widget = el("div", "vas__widget");
    track.id = code + "-track";
    track.tabIndex = 0;
    track.setAttribute("role", "slider");
    track.setAttribute("aria-labelledby", code + "-legend");
    track.setAttribute("aria-describedby", code + "-anchors");
    track.setAttribute("aria-valuemin", "0");
    track.setAttribute("aria-valuemax", "100");
    out.setAttribute("aria-hidden", "true");
    [[less, root.dataset.less], [more, root.dataset.more]].forEach(function (pair) {
      pair[0].type = "button";
      pair[0].setAttribute("aria-label", pair[1]);
    });
    mark.hidden = true;
    track.appendChild(mark);
    controls.append(less, out, more);
    widget.append(track, controls);
    root.insertBefore(widget, root.querySelector(".vas__fallback"));

    function value() {
      var text = input.value.trim();
      return /^\d{1,3}$/.test(text) && +text <= 100 ? +text : null;
    }
    function show() {
      var v = value();
      mark.hidden = v === null;
      if (v !== null) { mark.style.left = v + "%"; }
      // A slider must carry a value; until the patient marks the line its text says there is no answer.
      track.setAttribute("aria-valuenow", v === null ? "0" : String(v));
      track.setAttribute("aria-valuetext", v === null ? root.dataset.unset : String(v));
      out.textContent = v === null ? root.dataset.unset : root.dataset.value.replace("#", v);
    }
    function set(v) {
      input.value = String(Math.max(0, Math.min(100, Math.round(v))));
      if (skip) { skip.checked = false; }
      show();
    }
    function step(delta) { set(value() === null ? 50 : value() + delta); }
    track.addEventListener("click", function (event) {
      var box = track.getBoundingClientRect();
      set((event.clientX - box.left) / box.width * 100);
      track.focus({ preventScroll: true });
    });
    track.addEventListener("keydown", function (event) {
      var keys = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -10, PageUp: 10 };
      if (event.key === "Home") { set(0); } else if (event.key === "End") { set(100); }
      else if (keys[event.key]) { step(keys[event.key]); } else { return; }
      event.preventDefault();
    });
    less.addEventListener("click", function () { step(-1); });
    more.addEventListener("click", function () { step(1); });
    if (skip) { skip.addEventListener("change", function () { if (skip.checked) { input.value = ""; show(); } }); }
    show();
  }

  /* Offline tolerance: Continue posts with fetch. If the network is down the page keeps the answers in
     localStorage (keyed by visit and page), says "Not sent yet" and sends them when the connection is back.
     The server copy is the truth: a draft is dropped once acknowledged, and never restored over answers the
     server saved after it was made (the page's data-stamp). */
  function store() { try { return window.localStorage; } catch (error) { return null; } }

  function drafts() {
    var storage = store(), sent = document.querySelector("[data-sent]");
    if (sent && storage) {
      Object.keys(storage).forEach(function (key) {
        if (key.indexOf(DRAFT + sent.getAttribute("data-sent")) === 0) { storage.removeItem(key); }
      });
    }
    var form = document.querySelector("[data-survey-form]");
    if (!form || !storage || !window.fetch) { return; }
    var key = DRAFT + form.dataset.draftKey, stamp = form.dataset.stamp, banner = form.querySelector("[data-offline]");
    var pending = false, draft = null;
    try { draft = JSON.parse(storage.getItem(key)); } catch (error) { draft = null; }
    if (draft && draft.stamp === stamp) { restore(draft.fields); notSent(); } else { storage.removeItem(key); draft = null; }

    function fields() {
      var list = [];
      new FormData(form).forEach(function (value, name) {
        if (["csrf_token", "page", "return"].indexOf(name) < 0) { list.push([name, value]); }
      });
      return list;
    }
    function restore(list) {
      Array.prototype.forEach.call(form.elements, function (input) {
        if (input.type === "radio" || input.type === "checkbox") { input.checked = false; }
        else if (input.type === "text") { input.value = ""; }
      });
      list.forEach(function (pair) {
        Array.prototype.forEach.call(form.querySelectorAll("[name='" + pair[0] + "']"), function (input) {
          if (input.type === "radio" || input.type === "checkbox") { input.checked = input.value === pair[1]; }
          else { input.value = pair[1]; }
        });
      });
    }
    function notSent() { banner.hidden = false; pending = true; }
    function send() {
      return fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "X-Requested-With": "fetch" }
      }).then(function (response) {
        pending = false;
        if (response.ok && (response.headers.get("Content-Type") || "").indexOf("json") >= 0) {
          return response.json().then(function (reply) { storage.removeItem(key); window.location.assign(reply.next); });
        }
        if (response.status !== 401) { storage.removeItem(key); }
        form.submit(); // the server's own page: the errors to fix, or why it cannot take the answers
      }, function () {
        storage.setItem(key, JSON.stringify({ stamp: stamp, fields: fields() }));
        notSent();
      });
    }
    form.addEventListener("submit", function (event) {
      if (event.submitter && event.submitter.hasAttribute("formaction")) { return; } // the language switch
      event.preventDefault();
      send();
    });
    window.addEventListener("online", function () { if (pending) { send(); } });
    if (draft && navigator.onLine !== false) { send(); }
    setInterval(function () { if (pending && navigator.onLine !== false) { send(); } }, 15000);
  }

  window.SScore = { onReady: onReady };
  onReady(function () {
    drafts();
    Array.prototype.forEach.call(document.querySelectorAll("[data-vas]"), vas);
    errorSummary();
    preventDoubleClick();
  });
})();
