// Chart.js (vendored, loaded as a classic script) for the console's daily series.
const charts = new Map();

// series: [{label, points: [{date, value}]}]; one line per series, days on the x axis.
export function drawDaily(canvasId, series, { stacked = false, type = "line" } = {}) {
  const canvas = document.getElementById(canvasId);
  if (!canvas || !globalThis.Chart) return;
  const labels = series[0]?.points.map((point) => point.date) ?? [];
  const data = {
    labels,
    datasets: series.map((one) => ({ label: one.label, data: one.points.map((p) => p.value), tension: 0.2 })),
  };
  const existing = charts.get(canvasId);
  if (existing) {
    existing.data = data;
    existing.update("none");
    return;
  }
  const options = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    scales: { x: { stacked }, y: { stacked, beginAtZero: true } },
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
  };
  charts.set(canvasId, new globalThis.Chart(canvas, { type, data, options }));
}
