/* casework's own script, served from our origin: the Content-Security-Policy allows no inline script
   or style. Progress bars take their width from data-progress (a percentage), on the first page and
   on every fragment htmx swaps in; scrolling tables take the keyboard focus. */
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

  /* A table wider than a phone scrolls in its .table-responsive box: the keyboard must reach the box
     to scroll it (WCAG 2.1.1; axe-core's scrollable-region-focusable), so a box that scrolls takes
     the focus, on load, on a fragment swapped in and when the window is resized. */
  function focusableScrollers(root) {
    var boxes = Array.prototype.slice.call(root.querySelectorAll(".table-responsive"));
    if (root.matches(".table-responsive")) {
      boxes.push(root);
    }
    boxes.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) {
        box.setAttribute("tabindex", "0");
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }
  htmx.onLoad(focusableScrollers);
  window.addEventListener("resize", function () {
    focusableScrollers(document.body);
  });
})();
