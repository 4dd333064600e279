// Draws the trend figure the server rendered into data-figure (no inline script: the CSP).
(function () {
  var el = document.getElementById("trend");
  if (!el) return;
  var fig = JSON.parse(el.dataset.figure);
  Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false });
})();
