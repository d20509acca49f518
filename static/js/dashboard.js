// Draws the dashboard's charts from the JSON the page carries; a click on a bar or slice opens
// the list behind it, with the same filters.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var font = { fontFamily: "PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif" };
  var palette = ["#b71c1c", "#1a4fa0", "#e0a030", "#1b7f3b", "#6a4c93", "#0b7285", "#999"];

  function go(url) { if (url) window.location.href = url; }

  function bars(el, labels, series, links, horizontal) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    var category = { type: "category", data: labels, axisLabel: { interval: 0, rotate: horizontal ? 0 : 20 } };
    var value = { type: "value", minInterval: 1 };
    chart.setOption({
      color: palette, textStyle: font, tooltip: { trigger: "axis", renderMode: "richText" },
      legend: series.length > 1 ? { top: 0 } : undefined,
      grid: { left: horizontal ? 140 : 40, right: 16, top: series.length > 1 ? 30 : 10, bottom: horizontal ? 20 : 60 },
      xAxis: horizontal ? value : category, yAxis: horizontal ? category : value,
      series: series.map(function (s) { return { type: "bar", name: s.name, data: s.data, label: { show: true, position: horizontal ? "right" : "top" } }; })
    });
    chart.on("click", function (p) { go(links[p.dataIndex]); });
    return chart;
  }

  function pie(el, items) {
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      color: palette, textStyle: font, tooltip: { trigger: "item", renderMode: "richText" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: items, label: { formatter: "{b}\n{c}" } }]
    });
    chart.on("click", function (p) { go(items[p.dataIndex].link); });
    return chart;
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var name = el.dataset.chart, d = data[name];
    if (name === "modes") {
      charts.push(bars(el, d.labels, [{ name: d.series[0], data: d.planned }, { name: d.series[1], data: d.done }], d.links, false));
    } else if (name === "overdue") {
      charts.push(bars(el, d.labels, [{ name: "", data: d.values }], d.links, true));
    } else {
      charts.push(pie(el, d));
    }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
