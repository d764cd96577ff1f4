// The scenario chart: net receipts, net revenue savings and one-off costs by financial
// year (bars) and the cumulative net (line), for the partnership. Data from the page's
// JSON block; Chart.js is served by the app.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var canvas = document.getElementById("scenario-chart");
  if (!window.Chart || !canvas) { return; }
  var pounds = function (v) { return (v < 0 ? "-£" : "£") + Math.abs(v).toLocaleString("en-GB"); };
  window.scenarioChart = new Chart(canvas, {
    data: {
      labels: data.years,
      datasets: [
        { type: "bar", label: "Net capital receipts", data: data.receipts, backgroundColor: "#1b7837" },
        { type: "bar", label: "Net revenue savings", data: data.savings, backgroundColor: "#005eb8" },
        { type: "bar", label: "One-off costs", data: data.costs, backgroundColor: "#d7301f" },
        { type: "line", label: "Cumulative net", data: data.cumulative, borderColor: "#20303c", backgroundColor: "#20303c" }
      ]
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { ticks: { callback: pounds } } },
      plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + pounds(c.parsed.y); } } } }
    }
  });
})();
