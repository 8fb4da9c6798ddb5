// The Nodemesh page (issue 18): polls ../api/v1/traffic and ../api/v1/problems every two seconds
// and draws them with plain DOM and SVG. Every name on the page was written by a tenant, so text
// goes in with textContent only, never as markup.
'use strict';

const POLL_MS = 2000;
const SVG = 'http://www.w3.org/2000/svg';
const TOKEN_KEY = 'nodemesh-token';

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function pct(x) { return x === null || x === undefined ? '–' : (100 * x).toFixed(1) + ' %'; }
function ms(x) { return x === null || x === undefined ? '–' : (x < 10 ? x.toFixed(1) : x.toFixed(0)) + ' ms'; }
function rps(x) { return x.toFixed(x < 10 ? 1 : 0) + ' rps'; }
function bytes(b) { return b < 0 ? '–' : (b / 1048576).toFixed(0) + ' MiB'; }

function headers() {
  const t = sessionStorage.getItem(TOKEN_KEY);
  // X-Nodemesh-Authorization: the API server's service proxy consumes Authorization.
  return t ? { 'X-Nodemesh-Authorization': 'Bearer ' + t } : {};
}

async function get(path) {
  const r = await fetch(path, { headers: headers(), cache: 'no-store' });
  if (r.status === 401 || r.status === 403) {
    document.getElementById('login').hidden = false;
    const body = await r.json().catch(() => ({}));
    throw new Error((body.error || 'not allowed') + ' (HTTP ' + r.status + ')');
  }
  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
  return r.json();
}

function fill(tbody, rows, empty, columns) {
  tbody.replaceChildren();
  if (rows.length === 0) {
    tbody.append(el('tr', {}, el('td', { colspan: columns, class: 'muted' }, empty)));
  }
  for (const r of rows) tbody.append(r);
}

// Columns by depth: callers on the left, what they call to the right, split backends after that.
function layout(view, width, height) {
  const ids = view.services.map(s => s.id);
  const depth = new Map(ids.map(id => [id, 0]));
  const incoming = new Set(view.edges.map(e => e.to));
  for (let round = 0; round < ids.length; round++) {
    let moved = false;
    for (const e of view.edges) {
      const d = depth.get(e.from) + 1;
      if (e.from !== e.to && d > depth.get(e.to) && d < ids.length) { depth.set(e.to, d); moved = true; }
    }
    if (!moved) break;
  }
  const linked = new Set(view.edges.flatMap(e => [e.from, e.to]));
  let maxDepth = 0;
  for (const id of ids) if (linked.has(id)) maxDepth = Math.max(maxDepth, depth.get(id));
  const columns = new Map();
  for (const s of view.services) {
    const col = linked.has(s.id) ? depth.get(s.id) : maxDepth + 1;
    if (!columns.has(col)) columns.set(col, []);
    columns.get(col).push(s.id);
  }
  const count = Math.max(...columns.keys()) + 1;
  const pos = new Map();
  for (const [col, list] of columns) {
    list.forEach((id, i) => pos.set(id, {
      x: 90 + col * (width - 180) / Math.max(1, count - 1),
      y: (i + 1) * height / (list.length + 1),
    }));
  }
  return { pos, incoming };
}

function drawGraph(view) {
  const g = document.getElementById('graph');
  const width = Math.max(600, g.clientWidth || 1000);
  const height = Math.max(300, g.clientHeight || 420);
  g.setAttribute('viewBox', `0 0 ${width} ${height}`);
  g.replaceChildren();
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#66707a' }));
  defs.append(marker);
  g.append(defs);
  const { pos } = layout(view, width, height);
  const R = 14;
  for (const e of view.edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    const s = e.stats;
    const group = svg('g', { class: `edge ${e.kind} ${s.health}`, 'data-from': e.from,
      'data-to': e.to, 'data-kind': e.kind, 'data-health': s.health, 'data-rps': s.rps,
      'data-requests': s.requests });
    const x1 = a.x + R, x2 = b.x - R - 2, mx = (x1 + x2) / 2;
    group.append(svg('path', { d: `M${x1},${a.y} C${mx},${a.y} ${mx},${b.y} ${x2},${b.y}`,
      'marker-end': 'url(#arrow)' }));
    const label = `${rps(s.rps)} · ${pct(s.successRate)} · p99 ${ms(s.p99Ms)}`;
    group.append(svg('text', { x: mx, y: (a.y + b.y) / 2 - 6, 'text-anchor': 'middle' }, label));
    group.append(svg('title', {}, `${e.from} → ${e.to} (${e.kind})\n${label}\n${s.requests} requests`));
    g.append(group);
  }
  for (const n of view.services) {
    const p = pos.get(n.id);
    const s = n.stats;
    const group = svg('g', { class: `node ${n.kind} ${s.health}`, id: 'node:' + n.id,
      'data-id': n.id, 'data-kind': n.kind, 'data-health': s.health,
      'data-success': s.successRate === null ? '' : s.successRate });
    group.append(svg('circle', { cx: p.x, cy: p.y, r: R }));
    group.append(svg('text', { x: p.x, y: p.y + R + 14, 'text-anchor': 'middle' }, n.id));
    const detail = s.requests === 0 ? 'no requests' :
      `${rps(s.rps)} · ${pct(s.successRate)} success · p99 ${ms(s.p99Ms)}`;
    group.append(svg('title', {}, `${n.id} (${n.kind})\n${detail}`));
    g.append(group);
  }
}

function drawSplits(view) {
  const rows = [];
  for (const sp of view.splits) {
    for (const b of sp.backends) {
      const observed = b.observedShare === null ? null : 100 * b.observedShare;
      // Widths through CSSOM: the Content-Security-Policy refuses style attributes.
      const configured = el('span', { class: 'bar configured' });
      configured.style.width = b.configuredShare * 100 + 'px';
      const seen = el('span', { class: 'bar' });
      seen.style.width = (observed === null ? 0 : observed) + 'px';
      const bars = el('span', {}, configured, el('br'), seen);
      rows.push(el('tr', { class: 'split-backend', 'data-listener': sp.listener,
        'data-backend': b.service, 'data-weight': b.weight,
        'data-configured': (100 * b.configuredShare).toFixed(2),
        'data-observed': observed === null ? '' : observed.toFixed(2) },
        el('td', {}, sp.listener), el('td', {}, sp.name), el('td', {}, b.service),
        el('td', { class: 'num' }, b.weight), el('td', { class: 'num' }, pct(b.configuredShare)),
        el('td', { class: 'num' }, `${pct(b.observedShare)} (${b.requests})`), el('td', {}, bars)));
    }
  }
  fill(document.querySelector('#splits tbody'), rows, 'no TrafficSplit in force', 7);
}

function drawAccess(view) {
  const a = view.access;
  document.getElementById('access-mode').textContent = a.enabled
    ? 'ACL mode: only what a TrafficTarget allows gets through.'
    : 'ACL mode is off: every caller may call every Service.';
  const rows = [];
  for (const l of a.listeners) {
    if (l.grants.length === 0) {
      rows.push(el('tr', { 'data-listener': l.listener }, el('td', {}, l.listener),
        el('td', { colspan: 3, class: 'off' }, 'nobody (no TrafficTarget names ' +
          (l.destinations.join(', ') || 'its pods') + ')')));
    }
    for (const g of l.grants) {
      rows.push(el('tr', { 'data-listener': l.listener }, el('td', {}, l.listener),
        el('td', {}, g.trafficTarget), el('td', {}, g.rule), el('td', {}, g.sources.join(', '))));
    }
  }
  fill(document.querySelector('#access tbody'), rows, a.enabled ? 'no listener' : '–', 4);
  fill(document.querySelector('#denials tbody'), a.denials.map(d => el('tr', {},
    el('td', {}, d.listener), el('td', {}, d.reason), el('td', { class: 'num' }, d.count))),
  'none in the last minute', 3);
}

function drawProblems(problems) {
  fill(document.querySelector('#problems tbody'), problems.map(p => {
    const object = (p.namespace ? p.namespace + '/' : '') + (p.name || '');
    const node = document.getElementById('node:' + object);
    const cell = node ? el('a', { href: '#graph-section', class: 'object' }, object) : object;
    if (node) {
      cell.addEventListener('click', () => node.querySelector('circle').setAttribute('r', 20));
    }
    return el('tr', { class: 'problem', 'data-kind': p.kind, 'data-object': object },
      el('td', {}, p.kind), el('td', {}, cell), el('td', {}, p.field), el('td', {}, p.reason),
      el('td', {}, p.message));
  }), 'none: every object compiled', 5);
}

function drawNodes(view) {
  fill(document.querySelector('#nodes tbody'), view.nodes.map(n => el('tr',
    { 'data-node': n.node, class: n.behind || n.staleSeconds > 30 ? 'off' : '' },
    el('td', {}, n.node),
    el('td', { class: 'num' }, n.configVersion + (n.behind ? ' (behind ' + view.version + ')' : '')),
    el('td', { class: 'num' }, n.staleSeconds.toFixed(0) + ' s ago'),
    el('td', { class: 'num' }, bytes(n.rssBytes)),
    el('td', { class: 'num' }, n.cpuCores === null ? '–' : (100 * n.cpuCores).toFixed(1) + ' %'))),
  'no proxy has reported yet', 5);
}

async function refresh() {
  const status = document.getElementById('status');
  try {
    const [view, problems] = await Promise.all([get('../api/v1/traffic'), get('../api/v1/problems')]);
    drawGraph(view);
    drawSplits(view);
    drawAccess(view);
    drawProblems(problems);
    drawNodes(view);
    status.textContent = `config version ${view.version} · last ${view.windowSeconds.toFixed(0)} s · ` +
      new Date().toLocaleTimeString();
    status.className = 'muted';
    document.body.dataset.loaded = 'true';
  } catch (e) {
    status.textContent = String(e.message || e);
    status.className = 'off';
  }
}

document.getElementById('login').addEventListener('submit', ev => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value.trim());
  document.getElementById('login').hidden = true;
  refresh();
});
refresh();
setInterval(refresh, POLL_MS);
