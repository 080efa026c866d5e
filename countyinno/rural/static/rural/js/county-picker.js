/* City, then county: the county <select> carries every county grouped by city (<optgroup>), so the form
   works without JavaScript; with it, choosing a city narrows the county list, and choosing a county
   sets its city. No inline script: the page's CSP forbids it. */
(function () {
  "use strict";
  function setup(form) {
    var city = form.querySelector("[data-county-picker=city]");
    var county = form.querySelector("[data-county-picker=county]");
    if (!city || !county) { return; }
    var placeholder = county.querySelector("option[value='']");
    placeholder = placeholder ? placeholder.cloneNode(true) : null;
    var groups = Array.prototype.map.call(county.querySelectorAll("optgroup"), function (g) {
      return { label: g.label, node: g.cloneNode(true) };
    });
    function cityName() {
      var option = city.options[city.selectedIndex];
      return option && option.value ? option.text : null;
    }
    function narrow() {
      var chosen = county.value, name = cityName();
      county.innerHTML = "";
      if (placeholder) { county.appendChild(placeholder.cloneNode(true)); }
      groups.forEach(function (g) {
        if (!name || g.label === name) { county.appendChild(g.node.cloneNode(true)); }
      });
      county.value = chosen;
      if (county.value !== chosen) { county.value = ""; }
    }
    city.addEventListener("change", narrow);
    county.addEventListener("change", function () {
      var option = county.options[county.selectedIndex];
      var group = option && option.parentNode && option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : null;
      if (group && cityName() !== group) {
        Array.prototype.forEach.call(city.options, function (o) { if (o.text === group) { city.value = o.value; } });
      }
    });
    if (city.value) { narrow(); }
  }
  document.querySelectorAll("form").forEach(setup);
})();
