// CRM > Dashboard charts: Chart.js from npm, bundled by build.mjs. The page
// prints its figures as JSON in #senw-dashboard-data; this draws them.
import {
  Chart, BarController, BarElement, LineController, LineElement, PointElement,
  DoughnutController, ArcElement, CategoryScale, LinearScale, Legend, Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement,
  DoughnutController, ArcElement, CategoryScale, LinearScale, Legend, Tooltip);

function draw() {
  const el = document.getElementById('senw-dashboard-data');
  if (!el) return;
  const d = JSON.parse(el.textContent);
  const opts = { responsive: true, maintainAspectRatio: false, animation: false };
  const mk = (id, cfg) => {
    const c = document.getElementById(id);
    if (c) { window.senwCharts = window.senwCharts || {}; window.senwCharts[id] = new Chart(c, cfg); }
  };
  mk('senw-chart-temps', {
    type: 'doughnut',
    data: { labels: ['Hot', 'Warm', 'Cold'], datasets: [{ data: [d.temperatures.hot, d.temperatures.warm, d.temperatures.cold], backgroundColor: ['#d63638', '#dba617', '#72aee6'] }] },
    options: opts,
  });
  mk('senw-chart-trend', {
    type: 'line',
    data: { labels: d.engagement_trend.map((r) => r.day.slice(5)), datasets: [{ label: 'Engagement events', data: d.engagement_trend.map((r) => r.events), borderColor: '#2271b1' }] },
    options: { ...opts, scales: { y: { beginAtZero: true } } },
  });
  if (d.funnel) {
    mk('senw-chart-funnel', {
      type: 'bar',
      data: { labels: d.funnel.map((r) => r.stage), datasets: [{ label: 'Deals that reached the stage', data: d.funnel.map((r) => r.deals), backgroundColor: '#2271b1' }] },
      options: { ...opts, indexAxis: 'y' },
    });
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
else draw();
