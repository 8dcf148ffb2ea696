// Charts (templates/_macros/charts.html): every <figure class="chart"> holds its data as a
// table; this draws it with Chart.js, loaded only on pages that have a chart. The table is the
// source, so the chart and the accessible table can never disagree.
(function () {
  "use strict";

  // Okabe–Ito: eight colours told apart with every common colour-vision deficiency.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  var loading = null;

  function chartLibrary() {
    if (window.Chart) { return Promise.resolve(window.Chart); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        var self = document.querySelector('script[src*="js/charts.js"]');
        script.src = self.src.replace(/js\/charts\.js.*$/, "vendor/chart.umd.min.js");
        script.onload = function () { resolve(window.Chart); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function readTable(figure) {
    var table = figure.querySelector("table");
    var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    }).slice(1);
    var labels = [];
    var values = names.map(function () { return []; });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      labels.push(row.querySelector("th").textContent.trim());
      row.querySelectorAll("td").forEach(function (cell, i) {
        values[i].push(Number(cell.getAttribute("data-value")));
      });
    });
    return { labels: labels, names: names, values: values };
  }

  function draw(figure, Chart) {
    var data = readTable(figure);
    var kind = figure.getAttribute("data-chart");
    var unit = figure.getAttribute("data-unit") || "";
    var doughnut = kind === "doughnut";
    var datasets = data.names.map(function (name, i) {
      var colour = PALETTE[i % PALETTE.length];
      return {
        label: name,
        data: data.values[i],
        borderColor: doughnut ? "#fff" : colour,
        backgroundColor: doughnut ? data.labels.map(function (_, j) { return PALETTE[j % PALETTE.length]; }) : colour,
        tension: 0.2,
        pointRadius: data.labels.length > 40 ? 0 : 3
      };
    });
    var stacked = kind === "stacked-bar";
    var box = figure.querySelector(".chart-canvas");
    box.hidden = false;
    figure.querySelector("details.chart-data").open = false;
    figure.chart = new Chart(box.querySelector("canvas"), {
      type: doughnut ? "doughnut" : (kind === "line" ? "line" : "bar"),
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: doughnut ? "nearest" : "index", intersect: false },
        scales: doughnut ? {} : {
          x: { stacked: stacked },
          y: { stacked: stacked, beginAtZero: true }
        },
        plugins: {
          // A click on a legend entry hides or shows that series (Chart.js default).
          legend: { display: datasets.length > 1 || doughnut, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.parsed && typeof item.parsed === "object" ? item.parsed.y : item.parsed;
                return " " + (item.dataset.label || item.label) + ": " +
                  Number(value).toLocaleString() + (unit ? " " + unit : "");
              }
            }
          }
        }
      }
    });
  }

  function drawAll(root) {
    var figures = root.querySelectorAll ? root.querySelectorAll("figure.chart:not([data-drawn])") : [];
    if (!figures.length) { return; }
    chartLibrary().then(function (Chart) {
      figures.forEach(function (figure) {
        figure.setAttribute("data-drawn", "");
        draw(figure, Chart);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
