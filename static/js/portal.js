// Small behaviours the server cannot do: show times in the reader's own zone.
(function () {
  "use strict";

  function localiseTimes(root) {
    root.querySelectorAll("time[datetime]:not([data-localised])").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) {
        el.title = el.textContent.trim() + " UTC";
        el.textContent = when.toLocaleString();
        el.setAttribute("data-localised", "");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { localiseTimes(document); });
  document.addEventListener("htmx:afterSettle", function (event) { localiseTimes(event.target); });
})();
