/* casework's own script, served from our origin: the Content-Security-Policy allows no inline script
   or style. Progress bars take their width from data-progress (a percentage), on the first page and
   on every fragment htmx swaps in. */
(function () {
  "use strict";
  function setProgressWidths(root) {
    var bars = Array.prototype.slice.call(root.querySelectorAll("[data-progress]"));
    if (root.matches("[data-progress]")) {
      bars.push(root);
    }
    bars.forEach(function (bar) {
      var percent = Math.max(0, Math.min(100, Number(bar.getAttribute("data-progress")) || 0));
      bar.style.width = percent + "%";
    });
  }
  htmx.onLoad(setProgressWidths);
})();
