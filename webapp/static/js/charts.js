// Charts and progress displays bound by data attributes (the Content-Security-Policy forbids inline scripts):
// - [data-chart="distribution"][data-chart-source=ID]: a bar per body, sorted, from the JSON in <script id=ID>,
//   the body's bar in red with a pin above it, the threshold and the median as dashed lines (ECharts, served from /static/vendor);
// - [data-progress-url]: polls the URL's JSON ({done, total, finished, error}) every two seconds, updates
//   [data-progress-text] and [data-progress-bar] inside, and reloads the page when the job has finished.
// - [data-chart="bar" | "stacked-bar" | "pie" | "city-bar"][data-chart-source=ID]: the regulators' dashboard
//   figures from {title, unit, categories, series: [{name, values}]} (bar, stacked-bar), {items: [{name, value}]}
//   (pie, drawn as a donut) or {values, marked} (city-bar: the 13 cities, the selected one in red);
// - [data-chart="line" | "hbar" | "matrix"]: a trend, one line per series; horizontal stacked bars for rows with
//   long names (common problems, shortened on the axis, whole in the tooltip); a heat map of the rows by
//   {columns} from {cells: [[column, row, value]]} (problems by city);
// Every page shows the same numbers without this file (a table, the server-rendered progress).
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function distribution(el, data) {
    if (!window.echarts || !data) {
      return;
    }
    var bars = data.values.map(function (v, i) {
      return i === data.marked ? { value: v, itemStyle: { color: "#c0392b" } } : v;
    });
    var lines = [
      { yAxis: data.threshold, name: "预警阈值", lineStyle: { color: "#e67e22" } },
      { yAxis: data.median, name: "全省中位数", lineStyle: { color: "#7f8c8d" } },
    ];
    if (data.marked === null) {
      lines.push({ yAxis: data.value, name: "本机构", lineStyle: { color: "#c0392b", type: "solid" } });
    }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      title: { text: data.title, left: "center", textStyle: { fontSize: 13 } },
      grid: { left: 56, right: 140, top: 40, bottom: 36 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + data.unit; } },
      xAxis: { type: "category", name: "机构（由小到大）", nameLocation: "middle", nameGap: 22,
               data: data.values.map(function (_, i) { return i + 1; }), axisLabel: { show: false } },
      yAxis: { type: "value", name: data.unit },
      series: [{
        type: "bar", data: bars, itemStyle: { color: "#5b8cc4" }, barCategoryGap: "20%",
        markLine: { symbol: "none", label: { position: "end",
                    formatter: function (p) { return p.name + "：" + Number(p.value).toFixed(1) + data.unit; } },
                    lineStyle: { type: "dashed" }, data: lines },
        // A pin over the body's bar, so that its place shows even when its value is zero.
        markPoint: data.marked === null ? undefined : {
          symbol: "pin", symbolSize: 44, itemStyle: { color: "#c0392b" },
          label: { formatter: "本机构", fontSize: 10 },
          data: [{ coord: [data.marked, data.values[data.marked]], value: data.values[data.marked] }],
        },
      }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  var PALETTE = ["#5b8cc4", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#d4ac0d"];

  function draw(el, option) {
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    option.animation = false;
    option.color = PALETTE;
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function titled(data) {
    return { show: false, text: data.title };  // the card names the figure above the chart
  }

  function bars(el, data, stacked) {
    var series = data.series.map(function (s) {
      return { type: "bar", name: s.name, data: s.values, stack: stacked ? "total" : undefined,
               barMaxWidth: 36, emphasis: { focus: "series" } };
    });
    var many = data.categories.length > 6;
    draw(el, {
      title: titled(data),
      legend: series.length > 1 ? { bottom: 0, type: "scroll" } : undefined,
      grid: { left: 48, right: 16, top: 28, bottom: (series.length > 1 ? 36 : 12) + (many ? 56 : 16), containLabel: false },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
                 valueFormatter: function (v) { return v + (data.unit || ""); } },
      xAxis: { type: "category", data: data.categories,
               axisLabel: { interval: 0, rotate: many ? 35 : 0, fontSize: 11 } },
      yAxis: { type: "value", name: data.unit, minInterval: 1 },
      series: series,
    });
  }

  function pie(el, data) {
    draw(el, {
      title: titled(data),
      legend: { bottom: 0, type: "scroll" },
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + p.value + (data.unit || "") + "（" + p.percent + "%）"; } },
      series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "52%"], data: data.items,
                 label: { formatter: "{b}\n{c}" }, avoidLabelOverlap: true }],
    });
  }

  function cityBar(el, data) {
    var values = data.values.map(function (v, i) {
      return i === data.marked ? { value: v, itemStyle: { color: "#c0392b" } } : v;
    });
    draw(el, {
      title: titled(data),
      grid: { left: 48, right: 16, top: 28, bottom: 56 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + (data.unit || ""); } },
      xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: 35, fontSize: 11 } },
      yAxis: { type: "value", name: data.unit, minInterval: 1 },
      series: [{ type: "bar", data: values, itemStyle: { color: "#5b8cc4" }, barMaxWidth: 36,
                 label: { show: true, position: "top", fontSize: 10 } }],
    });
  }

  var LONG = 16;  // characters of a long name shown on an axis or in a legend

  function shortened(name) {
    return name.length > LONG ? name.slice(0, LONG - 1) + "…" : name;
  }

  function line(el, data) {
    var series = data.series.map(function (s) {
      return { type: "line", name: s.name, data: s.values, symbolSize: 6, emphasis: { focus: "series" } };
    });
    draw(el, {
      title: titled(data),
      legend: { bottom: 0, formatter: shortened, tooltip: { show: true }, itemGap: 12 },
      grid: { left: 48, right: 24, top: 28, bottom: 112 },
      tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) { return v + (data.unit || ""); } },
      xAxis: { type: "category", data: data.categories, boundaryGap: false, axisLabel: { fontSize: 11 } },
      yAxis: { type: "value", name: data.unit, minInterval: 1 },
      series: series,
    });
  }

  function horizontalBars(el, data) {
    var series = data.series.map(function (s) {
      return { type: "bar", name: s.name, data: s.values.slice().reverse(), stack: "total", barMaxWidth: 22,
               emphasis: { focus: "series" } };
    });
    draw(el, {
      title: titled(data),
      legend: { bottom: 0 },
      grid: { left: 8, right: 24, top: 16, bottom: 36, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true,
                 valueFormatter: function (v) { return v + (data.unit || ""); } },
      xAxis: { type: "value", name: data.unit, minInterval: 1 },
      yAxis: { type: "category", data: data.categories.slice().reverse(),
               axisLabel: { formatter: shortened, fontSize: 11 } },
      series: series,
    });
  }

  function matrix(el, data) {
    var top = data.cells.reduce(function (m, c) { return Math.max(m, c[2]); }, 0);
    var rows = data.categories.length;
    // Rows top-down in the table's order: the first (most often raised) problem at the top.
    var cells = data.cells.map(function (c) { return [c[0], rows - 1 - c[1], c[2] || "-"]; });
    draw(el, {
      title: titled(data),
      grid: { left: 8, right: 16, top: 8, bottom: 64, containLabel: true },
      tooltip: { confine: true, formatter: function (p) {
        return data.categories[rows - 1 - p.value[1]] + "<br>" + data.columns[p.value[0]] + "：" +
          (p.value[2] === "-" ? 0 : p.value[2]) + (data.unit || "");
      } },
      xAxis: { type: "category", data: data.columns, splitArea: { show: true },
               axisLabel: { interval: 0, rotate: 35, fontSize: 11 } },
      yAxis: { type: "category", data: data.categories.slice().reverse(), splitArea: { show: true },
               axisLabel: { formatter: shortened, fontSize: 11 } },
      visualMap: { min: 0, max: Math.max(top, 1), calculable: false, orient: "horizontal", left: "center",
                   bottom: 0, itemHeight: 120, itemWidth: 12, inRange: { color: ["#eef4fb", "#5b8cc4", "#c0392b"] } },
      series: [{ type: "heatmap", data: cells, label: { show: true, fontSize: 10 },
                 emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } } }],
    });
  }

  var KINDS = {
    "bar": function (el, data) { bars(el, data, false); },
    "stacked-bar": function (el, data) { bars(el, data, true); },
    "pie": pie,
    "city-bar": cityBar,
    "line": line,
    "hbar": horizontalBars,
    "matrix": matrix,
  };

  function figures() {
    var els = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < els.length; i++) {
      var render = KINDS[els[i].getAttribute("data-chart")];
      var data = readJson(els[i].getAttribute("data-chart-source"));
      if (render && window.echarts && data) {
        render(els[i], data);
      }
    }
  }

  function poll(el) {
    var url = el.getAttribute("data-progress-url");
    var text = el.querySelector("[data-progress-text]");
    var bar = el.querySelector("[data-progress-bar]");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) {
            return;
          }
          if (p.finished) {
            window.location.reload();
            return;
          }
          if (text) {
            text.textContent = "进行中：" + p.done + " / " + p.total;
          }
          if (bar && p.total) {
            bar.style.width = (100 * p.done / p.total).toFixed(1) + "%";
            bar.parentNode.setAttribute("aria-valuenow", p.done);
          }
          window.setTimeout(tick, 2000);
        })
        .catch(function () { window.setTimeout(tick, 5000); });
    }
    window.setTimeout(tick, 2000);
  }

  function start() {
    var charts = document.querySelectorAll("[data-chart='distribution']");
    for (var i = 0; i < charts.length; i++) {
      distribution(charts[i], readJson(charts[i].getAttribute("data-chart-source")));
    }
    figures();
    var watched = document.querySelectorAll("[data-progress-url]");
    for (var j = 0; j < watched.length; j++) {
      poll(watched[j]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
