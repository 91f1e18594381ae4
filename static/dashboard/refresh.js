/* Reload the page every few seconds while something on it is still running. */
(function () {
  "use strict";
  var el = document.querySelector("[data-refresh-seconds]");
  if (!el) { return; }
  window.setTimeout(function () { window.location.reload(); }, 1000 * parseInt(el.dataset.refreshSeconds, 10));
}());
