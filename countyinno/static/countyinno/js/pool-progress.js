// 千强 pool: cumulative graduates into 高企, the linear projection and the target.
(function () {
  "use strict";
  var node = document.getElementById("pool-data");
  var el = document.getElementById("pool-chart");
  if (!node || !el || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var series = [
    { name: "累计成长为高企", type: "bar", data: data.actual },
    { name: "预测", type: "line", data: data.projection, lineStyle: { type: "dashed" } }
  ];
  if (data.target) {
    series.push({ name: "目标", type: "line", data: data.years.map(function () { return data.target; }),
      symbol: "none", lineStyle: { color: "#b3261e" } });
  }
  echarts.init(el).setOption({
    tooltip: { trigger: "axis" }, legend: { bottom: 0 },
    xAxis: { type: "category", data: data.years.map(String) }, yAxis: { type: "value" }, series: series
  });
  el.setAttribute("data-rendered", "1");
})();
