// The score history of a grid cell in the register (Chart.js): score, best and worst case.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var canvas = document.getElementById("register-history");
    if (!canvas || typeof Chart === "undefined") return;
    var data = JSON.parse(document.getElementById(canvas.dataset.source).textContent);
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: data.names.score, data: data.score, borderColor: "#dc3545", backgroundColor: "#dc3545", tension: 0.2 },
          { label: data.names.best, data: data.best, borderColor: "#198754", backgroundColor: "#198754", borderDash: [4, 4], tension: 0.2 },
          { label: data.names.worst, data: data.worst, borderColor: "#6c757d", backgroundColor: "#6c757d", borderDash: [2, 2], tension: 0.2 }
        ]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { min: 0, max: 100 } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  });
})();
