// County profile: dimension radar against the provincial and county-type medians, and the trend.
(function () {
  "use strict";
  var node = document.getElementById("profile-data");
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var radar = echarts.init(document.getElementById("radar"));
  radar.setOption({
    tooltip: {}, legend: { bottom: 0, data: [data.county_name, "全省中位数", data.type_name + "中位数"] },
    radar: { indicator: data.dimensions.map(function (d) { return { name: d, max: 100 }; }) },
    series: [{ type: "radar", data: [
      { name: data.county_name, value: data.county, areaStyle: { opacity: 0.25 } },
      { name: "全省中位数", value: data.province_median },
      { name: data.type_name + "中位数", value: data.type_median }
    ] }]
  });
  var trend = echarts.init(document.getElementById("trend"));
  trend.setOption({
    tooltip: { trigger: "axis" }, legend: { bottom: 0, data: ["综合指数", "排名"] },
    xAxis: { type: "category", data: data.trend.map(function (t) { return String(t.year); }) },
    yAxis: [{ type: "value", name: "指数" }, { type: "value", name: "排名", inverse: true, minInterval: 1 }],
    series: [
      { name: "综合指数", type: "line", data: data.trend.map(function (t) { return t.index; }) },
      { name: "排名", type: "line", yAxisIndex: 1, data: data.trend.map(function (t) { return t.rank; }) }
    ]
  });
  document.getElementById("radar").setAttribute("data-rendered", "1");
  window.addEventListener("resize", function () { radar.resize(); trend.resize(); });
})();
