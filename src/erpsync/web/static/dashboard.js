// Overview plots: hourly completed and parked records per flow, drawn with uPlot from the JSON the page embeds.
(function () {
  function draw() {
    var source = document.getElementById("plot-data");
    if (!source || typeof uPlot === "undefined") return;
    var data = JSON.parse(source.textContent);
    var palette = ["#2f6fdf", "#d9480f", "#2b8a3e", "#862e9c", "#e67700", "#0b7285"];
    [["processed", "plot-processed"], ["failed", "plot-failed"]].forEach(function (pair) {
      var target = document.getElementById(pair[1]);
      if (!target) return;
      target.innerHTML = "";
      var flows = Object.keys(data[pair[0]]);
      var series = [{}].concat(flows.map(function (name, i) {
        return { label: name, stroke: palette[i % palette.length], width: 2 };
      }));
      var columns = [data.times].concat(flows.map(function (name) { return data[pair[0]][name]; }));
      new uPlot({ width: 520, height: 220, series: series, scales: { x: { time: true } } }, columns, target);
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
