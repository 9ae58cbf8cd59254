// BetterUptime dashboard: the response-time chart (uPlot) and confirmation of
// destructive forms. Everything else is server-rendered HTML, kept live by htmx.
"use strict";

(function () {
  // Forms with data-confirm (delete) ask first; no inline handlers in the markup.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  var REFRESH_MS = 30000;

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function formatMs(value) {
    if (value == null) return "–";
    return value >= 1000 ? (value / 1000).toFixed(2) + " s" : Math.round(value) + " ms";
  }

  function options(width, theme) {
    var axis = {
      stroke: theme.muted,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { stroke: theme.grid, width: 1 },
    };
    return {
      width: width,
      height: 280,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(10, max * 1.1)]; } } },
      axes: [axis, Object.assign({}, axis, { size: 64, values: function (u, ticks) { return ticks.map(formatMs); } })],
      series: [
        {},
        { label: "Average", stroke: theme.avg, width: 2, fill: theme.avg + "1f", value: function (u, v) { return formatMs(v); } },
        { label: "p95", stroke: theme.p95, width: 1.5, dash: [5, 4], value: function (u, v) { return formatMs(v); } },
      ],
    };
  }

  function Chart(element) {
    this.element = element;
    this.message = element.querySelector(".chart-message");
    this.range = element.getAttribute("data-range") || "24h";
    this.plot = null;
    this.data = null;
  }

  Chart.prototype.theme = function () {
    return { avg: cssVar("--chart-avg"), p95: cssVar("--chart-p95"), grid: cssVar("--chart-grid"), muted: cssVar("--muted") };
  };

  Chart.prototype.draw = function () {
    if (this.plot) this.plot.destroy();
    var data = this.data;
    var hasPoints = data.avg.some(function (v) { return v != null; });
    if (this.message) this.message.hidden = hasPoints;
    this.plot = new uPlot(options(this.element.clientWidth, this.theme()), [data.t, data.avg, data.p95], this.element);
  };

  Chart.prototype.load = function (range) {
    var self = this;
    self.range = range || self.range;
    var src = self.element.getAttribute("data-chart-src") + "?range=" + encodeURIComponent(self.range);
    return fetch(src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("chart data: HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (data.range !== self.range) return; // a newer range was chosen meanwhile
        self.data = data;
        self.draw();
        self.element.setAttribute("data-loaded-range", data.range);
      });
  };

  function setUpChart(element) {
    var chart = new Chart(element);
    var buttons = document.querySelectorAll("[data-range]:not(#chart)");
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        buttons.forEach(function (other) { other.setAttribute("aria-pressed", String(other === button)); });
        chart.load(button.getAttribute("data-range"));
      });
    });
    new ResizeObserver(function () {
      if (chart.plot) chart.plot.setSize({ width: element.clientWidth, height: 280 });
    }).observe(element);
    // The theme follows the system setting, also when it changes while the page is open.
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
      if (chart.data) chart.draw();
    });
    chart.load();
    setInterval(function () { if (!document.hidden) chart.load(); }, REFRESH_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("chart");
    if (element && typeof window.uPlot === "function") setUpChart(element);
  });
})();
