/**
 * The script and stylesheet of the HTML report (src/reporters/html.ts), as constants: the script's
 * sha256 goes into the report's Content-Security-Policy, so it must not depend on the data. The
 * script reads the data from `<script type="application/json" id="bulwark-data">` and builds every
 * element with createElement/textContent (never innerHTML): finding strings are hostile.
 */

export const HTML_STYLE = String.raw`
:root{--bg:#fff;--fg:#1b1f24;--mut:#5b6470;--card:#f5f7fa;--line:#d6dbe1;--acc:#0b63c5;--crit:#b4001e;--high:#d1342f;--med:#b26b00;--low:#2a7fa8;--info:#6b7280;--hl:#ffcc00}
:root[data-theme=dark]{--bg:#111418;--fg:#e4e8ee;--mut:#98a2ae;--card:#1b2027;--line:#2e3640;--acc:#5aa8ff;--crit:#ff5a6e;--high:#ff7a6b;--med:#f2b14b;--low:#66c2e8;--info:#a0a8b4;--hl:#ffd84d}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]){--bg:#111418;--fg:#e4e8ee;--mut:#98a2ae;--card:#1b2027;--line:#2e3640;--acc:#5aa8ff;--crit:#ff5a6e;--high:#ff7a6b;--med:#f2b14b;--low:#66c2e8;--info:#a0a8b4;--hl:#ffd84d}}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;align-items:center;gap:12px;padding:12px 20px;border-bottom:1px solid var(--line)}header h1{font-size:18px;margin:0}header .sp{flex:1}
main{padding:12px 20px;max-width:1400px;margin:0 auto}h2{font-size:16px;margin:18px 0 8px}
button,select,input{font:inherit;color:var(--fg);background:var(--card);border:1px solid var(--line);border-radius:6px;padding:4px 8px}button{cursor:pointer}
.verdict{font-weight:600;padding:2px 10px;border-radius:12px;border:1px solid currentColor}.fail{color:var(--crit)}.pass{color:#2e8540}
table.sum{border-collapse:collapse}table.sum td,table.sum th{border:1px solid var(--line);padding:3px 10px;text-align:right}table.sum th:first-child,table.sum td:first-child{text-align:left}
.sev{display:inline-block;min-width:70px;font-weight:700;font-size:12px}.sc{font-weight:700}.sc.critical{color:var(--crit)}.sc.high{color:var(--high)}.sc.medium{color:var(--med)}.sc.low{color:var(--low)}.sc.info{color:var(--info)}.sev.critical{color:var(--crit)}.sev.high{color:var(--high)}.sev.medium{color:var(--med)}.sev.low{color:var(--low)}.sev.info{color:var(--info)}
.paths{display:grid;gap:8px}.path{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 12px;cursor:pointer}.path.sel{outline:2px solid var(--acc)}
.route{font-family:ui-monospace,monospace;font-size:12px;margin:4px 0}.fix{margin:2px 0}.fix b{color:#2e8540}
svg.graph{width:100%;border:1px solid var(--line);border-radius:8px;background:var(--card)}svg .n rect{fill:var(--bg);stroke:var(--line);stroke-width:1.5}svg .n text{fill:var(--fg);font-size:12px}
svg .n.model rect{stroke:var(--crit)}svg .n.secrets rect,svg .n.cluster-control rect,svg .n.node rect,svg .n.gpu rect,svg .n.network rect{stroke:var(--high)}svg .n.kind{font-size:10px}
svg .e{stroke:var(--mut);fill:none;stroke-width:1.5}svg .e.on{stroke:var(--crit);stroke-width:3}svg .e.cut{stroke-dasharray:6 4}svg .el{fill:var(--mut);font-size:10px}svg marker path{fill:var(--mut)}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0}.filters label{display:flex;gap:4px;align-items:center}
.f{border:1px solid var(--line);border-radius:8px;margin:6px 0;padding:8px 12px;background:var(--card)}.f .h{display:flex;gap:8px;flex-wrap:wrap;align-items:baseline}.f .rule{font-weight:600}.f .where{color:var(--mut);font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
.f .msg{margin:4px 0;word-break:break-word}.f .rem{color:var(--mut)}.f .rem b{color:var(--fg)}.sup{color:var(--mut);font-style:italic}
pre{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:6px 8px;overflow:auto;font-size:12px;margin:6px 0}pre .ln{color:var(--mut);user-select:none}pre .hit{background:color-mix(in srgb,var(--hl) 35%,transparent);display:inline-block;min-width:100%}
.more{margin:10px 0}.muted{color:var(--mut)}
@media print{header button,.filters,.more{display:none}.f,.path{break-inside:avoid}body{background:#fff;color:#000}svg.graph{background:#fff}}
`;

export const HTML_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('bulwark-data').textContent);
  var SEV = ['critical', 'high', 'medium', 'low', 'info'];
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined && text !== null) e.textContent = String(text); return e; }
  function svg(tag, attrs) { var e = document.createElementNS('http://www.w3.org/2000/svg', tag); for (var k in attrs) e.setAttribute(k, String(attrs[k])); return e; }
  function byId(id) { return document.getElementById(id); }
  var rules = D.rules;
  // Theme: light, dark, or the system's.
  var root = document.documentElement;
  byId('theme').addEventListener('click', function () {
    var dark = root.getAttribute('data-theme') === 'dark' || (!root.getAttribute('data-theme') && window.matchMedia('(prefers-color-scheme: dark)').matches);
    root.setAttribute('data-theme', dark ? 'light' : 'dark');
  });
  // Summary by phase and severity.
  (function summary() {
    var s = D.summary, box = byId('summary');
    var v = el('span', 'verdict ' + (D.failed ? 'fail' : 'pass'), D.failed ? 'FAIL' : 'PASS');
    var p = el('p'); p.appendChild(v);
    p.appendChild(document.createTextNode(' ' + D.findings.length + ' findings (' + s.suppressed + ' suppressed) in ' + D.targets + ' targets, ' + D.paths.length + ' attack paths.'));
    box.appendChild(p);
    var t = el('table', 'sum'), hr = el('tr');
    hr.appendChild(el('th', null, 'phase'));
    SEV.forEach(function (x) { hr.appendChild(el('th', 'sc ' + x, x)); });
    hr.appendChild(el('th', null, 'total'));
    t.appendChild(hr);
    var byPhase = {};
    D.findings.forEach(function (f) { if (f.u) return; var ph = rules[f.r].phase; var row = byPhase[ph] || (byPhase[ph] = { critical: 0, high: 0, medium: 0, low: 0, info: 0, total: 0 }); row[f.s]++; row.total++; });
    Object.keys(byPhase).sort().forEach(function (ph) {
      var tr = el('tr'); tr.appendChild(el('td', null, ph));
      SEV.forEach(function (x) { tr.appendChild(el('td', byPhase[ph][x] ? 'sc ' + x : 'muted', byPhase[ph][x])); });
      tr.appendChild(el('td', null, byPhase[ph].total)); t.appendChild(tr);
    });
    box.appendChild(t);
  })();
  // Attack graph: a deterministic layered layout (layer = longest distance from a model).
  var selected = -1;
  var edgeEls = {};
  function drawGraph() {
    var g = D.graph, host = byId('graph');
    if (!g || g.nodes.length === 0) { host.appendChild(el('p', 'muted', 'No attack paths: no model with code execution is loaded by a scanned workload.')); return; }
    var layer = {}, i, changed = true, rounds = 0;
    g.nodes.forEach(function (n) { layer[n.id] = 0; });
    while (changed && rounds++ < g.nodes.length + 1) { changed = false; g.edges.forEach(function (e) { if (layer[e.to] < layer[e.from] + 1) { layer[e.to] = layer[e.from] + 1; changed = true; } }); }
    var cols = [];
    g.nodes.forEach(function (n) { (cols[layer[n.id]] = cols[layer[n.id]] || []).push(n); });
    var W = 210, H = 56, GX = 70, GY = 22, pos = {}, maxRows = 0;
    cols.forEach(function (c, x) { c.sort(function (a, b) { return a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.label < b.label ? -1 : 1; }); maxRows = Math.max(maxRows, c.length); c.forEach(function (n, y) { pos[n.id] = { x: 10 + x * (W + GX), y: 10 + y * (H + GY) }; }); });
    var width = 20 + cols.length * (W + GX) - GX, height = 20 + maxRows * (H + GY) - GY;
    var s = svg('svg', { class: 'graph', viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'attack graph' });
    s.style.maxHeight = Math.max(160, height) + 'px';
    var defs = svg('defs', {}), m = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' });
    m.appendChild(svg('path', { d: 'M0,0 L10,5 L0,10 z' })); defs.appendChild(m); s.appendChild(defs);
    g.edges.forEach(function (e) {
      var a = pos[e.from], b = pos[e.to]; if (!a || !b) return;
      var x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
      var p = svg('path', { class: 'e', d: 'M' + x1 + ',' + y1 + ' C' + mx + ',' + y1 + ' ' + mx + ',' + y2 + ' ' + x2 + ',' + y2, 'marker-end': 'url(#arrow)' });
      var title = svg('title', {}); title.textContent = e.label + (e.fix ? '\nfix: ' + e.fix : ''); p.appendChild(title);
      s.appendChild(p); edgeEls[e.id] = p;
      var t = svg('text', { class: 'el', x: mx, y: (y1 + y2) / 2 - 4, 'text-anchor': 'middle' }); t.textContent = e.kind; s.appendChild(t);
    });
    g.nodes.forEach(function (n) {
      var q = pos[n.id], grp = svg('g', { class: 'n ' + n.kind, transform: 'translate(' + q.x + ',' + q.y + ')' });
      grp.appendChild(svg('rect', { width: W, height: H, rx: 8 }));
      var k = svg('text', { x: 10, y: 18, class: 'kind' }); k.textContent = n.kind; k.style.fontSize = '10px'; k.style.opacity = '0.7'; grp.appendChild(k);
      var lbl = n.label.length > 30 ? '\u2026' + n.label.slice(-29) : n.label;
      var t = svg('text', { x: 10, y: 38 }); t.textContent = lbl; grp.appendChild(t);
      var title = svg('title', {}); title.textContent = n.label; grp.appendChild(title);
      s.appendChild(grp);
    });
    host.appendChild(s);
  }
  function select(i) {
    selected = selected === i ? -1 : i;
    Object.keys(edgeEls).forEach(function (k) { edgeEls[k].setAttribute('class', 'e'); });
    document.querySelectorAll('.path').forEach(function (p, j) { p.classList.toggle('sel', j === selected); });
    if (selected < 0) return;
    var p = D.paths[selected], cut = {};
    p.fixes.forEach(function (f) { cut[f.edge] = true; });
    p.routes.forEach(function (r) { r.forEach(function (st) { var e = edgeEls[st.edge]; if (e) e.setAttribute('class', 'e on' + (cut[st.edge] ? ' cut' : '')); }); });
  }
  function drawPaths() {
    var host = byId('paths'), edges = {};
    (D.graph ? D.graph.edges : []).forEach(function (e) { edges[e.id] = e; });
    var nodes = {}; (D.graph ? D.graph.nodes : []).forEach(function (n) { nodes[n.id] = n; });
    D.paths.forEach(function (p, i) {
      var box = el('div', 'path'); box.setAttribute('data-rule', p.ruleId);
      var h = el('div'); h.appendChild(el('span', 'sev ' + p.severity, p.severity.toUpperCase())); h.appendChild(el('b', null, p.ruleId + ' \u2014 ' + p.title)); box.appendChild(h);
      p.routes.slice(0, 5).forEach(function (r) {
        var first = edges[r[0].edge], parts = [first ? nodes[first.from].label : '?'];
        r.forEach(function (st) { var e = edges[st.edge]; parts.push('[' + st.tactic + '] ' + (e ? nodes[e.to].label : '?')); });
        box.appendChild(el('div', 'route', parts.join(' \u2192 ')));
      });
      if (p.routes.length > 5) box.appendChild(el('div', 'muted', '\u2026 and ' + (p.routes.length - 5) + ' more routes'));
      p.fixes.forEach(function (f) { var d = el('div', 'fix'); d.appendChild(el('b', null, p.fixes.length === 1 ? 'Fix that breaks it: ' : 'Fix (all together break it): ')); d.appendChild(document.createTextNode(f.fix)); box.appendChild(d); });
      p.alternatives.slice(1).forEach(function (a) { box.appendChild(el('div', 'fix muted', 'or: ' + a.map(function (f) { return f.fix; }).join(' + '))); });
      if (!p.cutExact) box.appendChild(el('div', 'muted', '(greedy: within 1 + ln(routes) of the smallest)'));
      box.addEventListener('click', function () { select(i); });
      host.appendChild(box);
    });
    if (D.paths.length === 0) host.appendChild(el('p', 'muted', 'None.'));
  }
  // Findings: filters, and a paged list (200 at a time) so that 10,000 findings stay fast.
  var PAGE = 200, shown = PAGE, current = [];
  function options(id, values) { var s = byId(id); values.forEach(function (v) { var o = el('option', null, v); o.value = v; s.appendChild(o); }); }
  function uniq(f) { var m = {}; D.findings.forEach(function (x) { var v = f(x); if (v !== undefined && v !== null && v !== '') m[v] = 1; }); return Object.keys(m).sort(); }
  options('f-rule', uniq(function (f) { return rules[f.r].id; }));
  options('f-ns', uniq(function (f) { return f.n; }));
  options('f-file', uniq(function (f) { return f.p; }));
  function renderFinding(f) {
    var d = el('div', 'f'), r = rules[f.r], h = el('div', 'h');
    h.appendChild(el('span', 'sev ' + f.s, f.s.toUpperCase())); h.appendChild(el('span', 'rule', r.id));
    h.appendChild(el('span', 'where', f.p + (f.w ? '  ' + f.w : '')));
    if (f.u) h.appendChild(el('span', 'sup', 'suppressed: ' + f.u));
    d.appendChild(h); d.appendChild(el('div', 'msg', f.m));
    if (f.c) {
      var pre = el('pre');
      f.c.l.forEach(function (line, i) { var n = f.c.s + i, row = el('span', n === f.c.h ? 'hit' : null); row.appendChild(el('span', 'ln', String(n).padStart(4, ' ') + '  ')); row.appendChild(document.createTextNode(line)); pre.appendChild(row); pre.appendChild(document.createTextNode('\n')); });
      d.appendChild(pre);
    }
    if (f.e) { var ev = el('pre'); ev.textContent = (f.k ? f.k + ': ' : 'evidence: ') + f.e; d.appendChild(ev); }
    var rem = el('div', 'rem'); rem.appendChild(el('b', null, 'Fix: ')); rem.appendChild(document.createTextNode(f.x !== undefined ? f.x : r.remediation)); d.appendChild(rem);
    return d;
  }
  function apply() {
    var sev = {}; SEV.forEach(function (s) { sev[s] = byId('s-' + s).checked; });
    var rule = byId('f-rule').value, ns = byId('f-ns').value, file = byId('f-file').value, q = byId('f-q').value.toLowerCase();
    current = D.findings.filter(function (f) {
      return sev[f.s] && (!rule || rules[f.r].id === rule) && (!ns || f.n === ns) && (!file || f.p === file) && (!q || (f.m + ' ' + f.p + ' ' + rules[f.r].id).toLowerCase().indexOf(q) >= 0);
    });
    shown = PAGE; draw();
  }
  function draw() {
    var list = byId('list'); list.textContent = '';
    var frag = document.createDocumentFragment();
    current.slice(0, shown).forEach(function (f) { frag.appendChild(renderFinding(f)); });
    list.appendChild(frag);
    byId('count').textContent = current.length + ' of ' + D.findings.length + ' findings';
    var more = byId('more'); more.hidden = current.length <= shown; more.textContent = 'Show ' + Math.min(PAGE, current.length - shown) + ' more';
  }
  byId('more').addEventListener('click', function () { shown += PAGE; draw(); });
  ['f-rule', 'f-ns', 'f-file'].concat(SEV.map(function (s) { return 's-' + s; })).forEach(function (id) { byId(id).addEventListener('change', apply); });
  byId('f-q').addEventListener('input', apply);
  drawGraph(); drawPaths(); apply();
  document.body.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  document.body.setAttribute('data-ready', '1');
})();
`;
