// Index-run choropleth: any metric (index, dimension, indicator) for any year of the run.
(function () {
  "use strict";
  var el = document.getElementById("run-map");
  if (!el || !window.echarts) { return; }
  var chart = echarts.init(el);
  var metric = document.getElementById("metric");
  var year = document.getElementById("map-year");
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); } return r.json();
    });
  }
  function render() {
    var url = el.dataset.dataUrl + "?metric=" + encodeURIComponent(metric.value) + "&year=" + encodeURIComponent(year.value);
    getJSON(url).then(function (payload) {
      var data = Object.keys(payload.counties).map(function (code) {
        var c = payload.counties[code];
        return { name: code, label: c.name, value: c.value, rank: c.rank };
      });
      var values = data.map(function (d) { return d.value; }).filter(function (v) { return v !== null; });
      chart.setOption({
        tooltip: { trigger: "item", formatter: function (p) {
          var d = p.data || {};
          if (!d.label) { return p.name; }
          return d.label + "<br>" + metric.options[metric.selectedIndex].text + "：" +
            (d.value === null ? "—" : Math.round(d.value * 100) / 100) + "<br>排名 rank：" + d.rank;
        } },
        visualMap: { min: values.length ? Math.min.apply(null, values) : 0, max: values.length ? Math.max.apply(null, values) : 1,
          left: 8, bottom: 8, calculable: true, inRange: { color: ["#eef5fb", "#9ecae1", "#3182bd", "#08306b"] } },
        series: [{ type: "map", map: "shandong-counties", roam: true, nameProperty: "code", data: data,
          emphasis: { label: { show: false }, itemStyle: { areaColor: "#fdae6b" } }, select: { disabled: true } }]
      }, true);
      el.setAttribute("data-rendered", String(data.length));
      el.setAttribute("data-metric", payload.metric);
    });
  }
  getJSON(el.dataset.geojsonUrl).then(function (geo) {
    echarts.registerMap("shandong-counties", geo);
    render();
    chart.on("click", function (p) { if (p.data && p.data.label) { window.location = el.dataset.profileUrl.replace("000000", p.name); } });
  });
  metric.addEventListener("change", render);
  year.addEventListener("change", render);
  window.addEventListener("resize", function () { chart.resize(); });
})();
