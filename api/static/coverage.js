// The map of China coloured by how many national tasks each province has taken up (ECharts,
// vendored with the province GeoJSON: nothing is fetched from outside this server).
(function () {
  const el = document.getElementById("china-map");
  if (!el || !window.echarts) return;
  const data = JSON.parse(document.getElementById("province-data").textContent)
    .map((p) => ({ name: p.name, value: p.tasks }));
  const max = Math.max(1, ...data.map((d) => d.value));
  fetch("/static/vendor/china-provinces/provinces.json").then((r) => r.json()).then((geo) => {
    echarts.registerMap("china-provinces", geo);
    const chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: (p) => `${p.name}: ${Number.isFinite(p.value) ? p.value : 0}` },
      visualMap: { min: 0, max, left: "left", bottom: 10, calculable: true, text: [String(max), "0"],
                   inRange: { color: ["#fef3f2", "#f97066", "#912018"] } },
      series: [{ type: "map", map: "china-provinces", roam: false, data, layoutCenter: ["50%", "58%"], layoutSize: "125%",
                 itemStyle: { areaColor: "#f2f4f7", borderColor: "#98a2b3" },
                 emphasis: { label: { show: true }, itemStyle: { areaColor: "#fdb022" } } }],
    });
    el.dataset.ready = "1";
    window.addEventListener("resize", () => chart.resize());
  });
})();
