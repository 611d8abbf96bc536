/* SScore PRO: progressive enhancement only. Every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function onReady(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  /* GOV.UK error summary: focus it on load; links focus the field (or its legend) without jumping under headers. */
  function errorSummary() {
    var summary = document.querySelector("[data-module='error-summary']");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a");
      if (!link || link.getAttribute("href").charAt(0) !== "#") { return; }
      var input = document.getElementById(link.getAttribute("href").slice(1));
      if (!input) { return; }
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

  window.SScore = { onReady: onReady };
  onReady(function () { errorSummary(); preventDoubleClick(); });
})();
