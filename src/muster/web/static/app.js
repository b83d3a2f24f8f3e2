/* Muster pages: draw the plotly figures embedded as data-figure JSON, also after htmx swaps,
   and ask before a form marked data-confirm is sent. No inline scripts are needed. */
(function () {
  "use strict";
  var CONFIG = {
    displaylogo: false,
    responsive: true,
    topojsonURL: "/static/vendor/topojson/",
    modeBarButtonsToRemove: ["lasso2d", "select2d"]
  };

  function draw(root) {
    if (!window.Plotly || !root || !root.querySelectorAll) return;
    var nodes = root.querySelectorAll("[data-figure]");
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      if (el.getAttribute("data-drawn")) continue;
      var spec = JSON.parse(el.getAttribute("data-figure"));
      el.setAttribute("data-drawn", "1");
      window.Plotly.newPlot(el, spec.data, spec.layout, CONFIG).then(function (gd) {
        gd.setAttribute("data-ready", "1");
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);
})();
