// BetterUptime dashboard: the response-time and timing-breakdown charts (uPlot) and
// confirmation of destructive forms. Everything else is server-rendered HTML, kept live by htmx.
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

  var HEIGHT = 280;
  var PHASES = [["dns", "DNS"], ["connect", "Connect"], ["tls", "TLS"], ["first_byte", "First byte"]];
  var REGION_COLOURS = 6;

  function theme() {
    var regions = [];
    for (var i = 1; i <= REGION_COLOURS; i++) regions.push(cssVar("--chart-region-" + i));
    var phases = {};
    PHASES.forEach(function (phase) { phases[phase[0]] = cssVar("--chart-" + phase[0].replace("_", "-")); });
    return {
      avg: cssVar("--chart-avg"), p95: cssVar("--chart-p95"), grid: cssVar("--chart-grid"),
      muted: cssVar("--muted"), regions: regions, phases: phases,
    };
  }

  function line(label, stroke, extra) {
    return Object.assign(
      { label: label, stroke: stroke, width: 1.5, value: function (u, v) { return formatMs(v); } },
      extra || {}
    );
  }

  // What each chart draws from one range's data: [uPlot series, data column] pairs.
  function responseLines(data, colours) {
    var lines = [
      [line("Average", colours.avg, { width: 2, fill: colours.avg + "1f" }), data.avg],
      [line("p95", colours.p95, { dash: [5, 4] }), data.p95],
    ];
    // Present only when 2+ regions answered: one region's line would repeat the average.
    Object.keys(data.regions || {}).forEach(function (name, index) {
      lines.push([line(name, colours.regions[index % colours.regions.length], { width: 1.25 }), data.regions[name]]);
    });
    return lines;
  }

  function breakdownLines(data, colours) {
    var breakdown = data.breakdown || {};
    return PHASES.filter(function (phase) { return breakdown[phase[0]]; }).map(function (phase) {
      return [line(phase[1], colours.phases[phase[0]]), breakdown[phase[0]]];
    });
  }

  function options(width, colours, series) {
    var axis = {
      stroke: colours.muted,
      grid: { stroke: colours.grid, width: 1 },
      ticks: { stroke: colours.grid, width: 1 },
    };
    return {
      width: width,
      height: HEIGHT,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(10, max * 1.1)]; } } },
      axes: [axis, Object.assign({}, axis, { size: 64, values: function (u, ticks) { return ticks.map(formatMs); } })],
      series: [{}].concat(series),
    };
  }

  function Chart(element, lines) {
    this.element = element;
    this.message = element.querySelector(".chart-message");
    this.lines = lines;
    this.plot = null;
    this.data = null;
  }

  Chart.prototype.draw = function () {
    if (this.plot) this.plot.destroy();
    this.plot = null;
    var data = this.data;
    var lines = this.lines(data, theme());
    var hasPoints = lines.some(function (pair) { return pair[1].some(function (v) { return v != null; }); });
    if (this.message) this.message.hidden = hasPoints;
    if (!lines.length || !this.element.clientWidth) return; // hidden: drawn when shown
    var series = lines.map(function (pair) { return pair[0]; });
    var columns = [data.t].concat(lines.map(function (pair) { return pair[1]; }));
    this.plot = new uPlot(options(this.element.clientWidth, theme(), series), columns, this.element);
  };

  Chart.prototype.show = function (data) {
    this.data = data;
    this.draw();
    this.element.setAttribute("data-loaded-range", data.range);
  };

  Chart.prototype.resize = function () {
    if (this.plot) this.plot.setSize({ width: this.element.clientWidth, height: HEIGHT });
    else if (this.data) this.draw();
  };

  // Both charts show one range from one request; the per-check detail (regions, timing
  // breakdown) exists only for ranges whose raw checks are kept, which the note says.
  function Charts(element) {
    this.src = element.getAttribute("data-chart-src");
    this.range = element.getAttribute("data-range") || "24h";
    this.charts = [new Chart(element, responseLines)];
    this.detail = document.getElementById("chart-detail");
    this.note = document.getElementById("chart-note");
    var breakdown = document.getElementById("breakdown-chart");
    if (breakdown) this.charts.push(new Chart(breakdown, breakdownLines));
  }

  Charts.prototype.load = function (range) {
    var self = this;
    self.range = range || self.range;
    var src = self.src + "?range=" + encodeURIComponent(self.range);
    return fetch(src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("chart data: HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (data.range !== self.range) return; // a newer range was chosen meanwhile
        // Shown before drawing, so the breakdown chart has its width.
        if (self.detail) self.detail.hidden = !data.raw_checks;
        if (self.note) self.note.hidden = Boolean(data.raw_checks);
        self.charts.forEach(function (chart) { chart.show(data); });
      });
  };

  Charts.prototype.redraw = function () {
    this.charts.forEach(function (chart) { if (chart.data) chart.draw(); });
  };

  function setUpChart(element) {
    var charts = new Charts(element);
    var buttons = document.querySelectorAll(".range-buttons [data-range]");
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        buttons.forEach(function (other) { other.setAttribute("aria-pressed", String(other === button)); });
        charts.load(button.getAttribute("data-range"));
      });
    });
    var resizer = new ResizeObserver(function () {
      charts.charts.forEach(function (chart) { chart.resize(); });
    });
    charts.charts.forEach(function (chart) { resizer.observe(chart.element); });
    // The theme follows the system setting, also when it changes while the page is open.
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
      charts.redraw();
    });
    charts.load();
    setInterval(function () { if (!document.hidden) charts.load(); }, REFRESH_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("chart");
    if (element && typeof window.uPlot === "function") setUpChart(element);
  });
})();

// The monitor form: sections for other kinds than the chosen one are hidden, to keep a
// long form short. Without JavaScript every section shows and the form works the same;
// hidden fields are still sent, and a section holding an error message stays visible.
(function () {
  function showSectionsFor(select) {
    select.form.querySelectorAll("[data-kinds]").forEach(function (section) {
      var kinds = section.getAttribute("data-kinds").split(" ");
      var hasError = section.matches(".invalid") || section.querySelector(".invalid");
      section.hidden = kinds.indexOf(select.value) < 0 && !hasError;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("select[data-kind-select]");
    if (!select) return;
    select.addEventListener("change", function () { showSectionsFor(select); });
    showSectionsFor(select);
  });
})();

// The monitor form's assertion rows: "Add an assertion" copies the blank last row,
// "Remove" takes a row out (the last one left is emptied instead). Without JavaScript
// the buttons stay hidden: the form always ends with a blank row to fill in, and a row
// whose boxes are emptied is no assertion.
(function () {
  function clear(row) {
    row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    row.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-add-row], [data-remove-row]");
    if (!button) return;
    var table = button.closest("[data-rows]") || document.getElementById(button.getAttribute("data-add-row"));
    var body = table && table.querySelector("tbody");
    if (!body) return;
    if (button.hasAttribute("data-add-row")) {
      var copy = body.lastElementChild.cloneNode(true);
      clear(copy);
      body.appendChild(copy);
      copy.querySelector("select, input").focus();
    } else if (body.children.length > 1) {
      button.closest("tr").remove();
    } else {
      clear(button.closest("tr"));
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-add-row], [data-remove-row]").forEach(function (button) {
      button.hidden = false;
    });
  });
})();
