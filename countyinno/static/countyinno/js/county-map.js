// Shandong county choropleth: boundaries and figures come from our own API, ECharts from /static.
(function () {
  "use strict";
  var el = document.getElementById("county-map");
  if (!el || !window.echarts) { return; }
  var chart = echarts.init(el, null, { renderer: "canvas" });
  var metricSelect = document.getElementById("map-metric");
  var sourceNote = document.getElementById("map-source");
  var stats = {};
  chart.showLoading({ text: "…" });

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  function render() {
    var metric = metricSelect ? metricSelect.value : "resident_population";
    var data = Object.keys(stats.counties || {}).map(function (code) {
      var c = stats.counties[code];
      return { name: code, label: c.name, value: c[metric] };
    });
    var values = data.map(function (d) { return d.value; }).filter(function (v) { return v !== null && v !== undefined; });
    var label = metricSelect ? metricSelect.options[metricSelect.selectedIndex].text : metric;
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var d = p.data || {};
          var v = (d.value === null || d.value === undefined) ? "—" : Math.round(d.value * 100) / 100;
          return (d.label || p.name) + "<br>" + label + "：" + v;
        }
      },
      visualMap: {
        min: values.length ? Math.min.apply(null, values) : 0,
        max: values.length ? Math.max.apply(null, values) : 1,
        left: 8, bottom: 8, calculable: true, text: ["高", "低"],
        inRange: { color: ["#eef5fb", "#9ecae1", "#3182bd", "#08306b"] }
      },
      series: [{
        type: "map", map: "shandong-counties", roam: true, nameProperty: "code",
        emphasis: { label: { show: false }, itemStyle: { areaColor: "#fdae6b" } },
        select: { disabled: true },
        data: data
      }]
    }, true);
    if (sourceNote) { sourceNote.textContent = el.dataset.source || ""; }
    el.setAttribute("data-rendered", String(data.length));
  }

  Promise.all([getJSON(el.dataset.geojsonUrl), getJSON(el.dataset.statsUrl)]).then(function (res) {
    echarts.registerMap("shandong-counties", res[0]);
    stats = res[1];
    chart.hideLoading();
    render();
    chart.on("click", function (p) {
      if (p.name) { window.location = el.dataset.detailUrl.replace("000000", p.name); }
    });
  }).catch(function (err) {
    chart.hideLoading();
    el.textContent = "地图加载失败 / map failed to load: " + err;
  });
  if (metricSelect) { metricSelect.addEventListener("change", render); }
  window.addEventListener("resize", function () { chart.resize(); });
})();
