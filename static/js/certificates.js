// Draws the circular certificates as a directed graph from the JSON the page carries (the CSP
// allows no inline script): one colour per department, an arrow from the item that demands a
// certificate to the item that issues it, named by the certificate; a click on an item opens it in
// the catalog. And asks in a <dialog> before a problem is filed (without script, the server's
// confirmation page asks).
(function () {
  "use strict";
  confirmFiling();
  var source = document.getElementById("certificate-graph-data");
  var el = document.querySelector("[data-chart='certificate-cycles']");
  if (!source || !el || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  if (!data.nodes.length) return;
  // More items need more room than the stylesheet's .chart height gives a handful.
  el.style.height = Math.min(760, 320 + 12 * data.nodes.length) + "px";
  var palette = ["#b71c1c", "#1a4fa0", "#e0a030", "#1b7f3b", "#6a4c93", "#0b7285", "#8a5300", "#c2185b", "#455a64", "#7cb342"];

  var narrow = el.clientWidth < 600;

  function draw() {
    narrow = el.clientWidth < 600;
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      color: palette,
      textStyle: { fontFamily: "PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif" },
      // richText, not HTML: item and department names are data, never markup.
      tooltip: { trigger: "item", renderMode: "richText", formatter: function (p) { return p.data.tip; } },
      legend: [{ type: "scroll", top: 0, data: data.categories.map(function (c) { return c.name; }) }],
      series: [{
        type: "graph",
        layout: "force",
        top: 48,
        left: narrow ? 16 : 40,
        right: narrow ? 56 : 100,  // room for the item names written right of the last nodes
        bottom: 16,
        roam: true,
        draggable: true,
        force: { repulsion: 420, edgeLength: [90, 160], gravity: 0.1 },
        categories: data.categories,
        data: data.nodes.map(function (n) { return Object.assign({ symbolSize: 22 }, n); }),
        links: data.links,
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: 10,
        label: { show: true, position: "right", fontSize: 12 },
        // The certificate on each arrow; a long name is cut short on a phone (the tooltip has it whole).
        edgeLabel: {
          show: true,
          formatter: function (p) { return p.data.certificate; },
          fontSize: narrow ? 10 : 11,
          color: "#37474f",
          backgroundColor: "rgba(255,255,255,0.85)",
          padding: [1, 3],
          borderRadius: 3,
          width: narrow ? 72 : 140,
          overflow: "truncate"
        },
        lineStyle: { color: "source", width: 1.8, curveness: 0.2, opacity: 0.85 },
        emphasis: { focus: "adjacency", lineStyle: { width: 3 } }
      }]
    });
    chart.on("click", function (p) {
      if (p.dataType === "node" && p.data.link) window.location.href = p.data.link;
    });
    return chart;
  }

  var chart = draw();
  var width = el.clientWidth;
  // A force layout keeps its positions on resize and can drift out of view: lay it out afresh.
  window.addEventListener("resize", function () {
    if (el.clientWidth === width) return;
    width = el.clientWidth;
    chart.dispose();
    chart = draw();
  });

  // A file button asks first: which departments get a finding, under which category. The answer
  // "file" posts the form with confirm=1, once (the button is disabled).
  function confirmFiling() {
    var dialog = document.getElementById("file-dialog");
    if (!dialog || typeof dialog.showModal !== "function") return;
    var pending = null;
    dialog.addEventListener("close", function () {
      var form = pending;
      pending = null;
      if (!form || dialog.returnValue !== "file") return;
      var confirm = document.createElement("input");
      confirm.type = "hidden";
      confirm.name = "confirm";
      confirm.value = "1";
      form.appendChild(confirm);
      form.querySelector("button").disabled = true;
      form.submit();
    });
    document.querySelectorAll("form.file-problem").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (pending) return;
        pending = form;
        dialog.querySelector("[data-dialog=title]").textContent = form.dataset.title;
        dialog.querySelector("[data-dialog=category]").textContent = form.dataset.category;
        var list = dialog.querySelector("[data-dialog=departments]");
        list.textContent = "";
        form.querySelectorAll(".to-file li").forEach(function (li) { list.appendChild(li.cloneNode(true)); });
        dialog.returnValue = "";
        dialog.showModal();
      });
    });
  }
})();
