// 技术合同成交统计: 技术交易额 (万元) by month (bars) and by category (pie). Data from the page's JSON block.
(function () {
  "use strict";
  var node = document.getElementById("contract-chart-data");
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var unit = data.unit || "";
  var month = document.getElementById("month-chart");
  if (month) {
    echarts.init(month).setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v.toFixed(2) + " " + unit; } },
      grid: { left: 60, right: 20, bottom: 40 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", name: unit },
      series: [{ name: "技术交易额", type: "bar", data: data.by_month }]
    });
    month.setAttribute("data-rendered", "1");
  }
  var category = document.getElementById("category-chart");
  if (category) {
    echarts.init(category).setOption({
      tooltip: { trigger: "item", valueFormatter: function (v) { return v.toFixed(2) + " " + unit; } },
      legend: { bottom: 0 },
      series: [{ name: "技术交易额", type: "pie", radius: ["35%", "65%"], data: data.categories }]
    });
    category.setAttribute("data-rendered", "1");
  }
})();
