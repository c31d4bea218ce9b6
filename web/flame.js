/* goscope flame graph viewer.
 * The call tree arrives in preorder (children heaviest first) as flat arrays; the viewer keeps
 * it in typed arrays, lays out only the boxes wide enough to see (children are sorted, so a
 * narrow child ends the walk of its siblings) and draws them on one canvas the size of the
 * viewport. Pivoting builds two small merged trees: the callers and the callees of a function. */
(function () {
  'use strict';

  const ROW = 18;          /* row height in CSS pixels */
  const MIN_W = 0.6;       /* narrower boxes are not drawn */
  const MIN_TEXT_W = 22;   /* narrower boxes get no text */
  const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
  const PHI = 1.618033988;

  const D = JSON.parse(document.getElementById('gs-data').textContent);
  const STR = D.strings;
  const NFRAMES = D.frameName.length;
  const frameName = D.frameName.map((i) => STR[i]);
  const frameFile = D.frameFile.map((i) => STR[i]);
  const frameInline = Uint8Array.from(D.frameInline);
  const frameColor = D.frameColor.map(colorOf);
  const DIFF = !!D.diff;

  /* ---------------------------------------------------------------- trees */

  /* A tree in preorder: frame, depth, pos (sum of positive values) and neg (|negative|) per
   * node. Derived: parent, end (one past the subtree), self (signed). */
  function Tree(frame, depth, pos, neg) {
    const n = frame.length;
    this.n = n;
    this.frame = frame;
    this.depth = depth;
    this.pos = pos;
    this.neg = neg;
    this.parent = new Int32Array(n);
    this.end = new Int32Array(n);
    this.self = new Float64Array(n);
    const stack = [];
    let maxDepth = 0;
    for (let i = 0; i < n; i++) {
      const d = depth[i];
      if (d > maxDepth) maxDepth = d;
      while (stack.length > d) this.end[stack.pop()] = i;
      this.parent[i] = stack.length ? stack[stack.length - 1] : -1;
      stack.push(i);
      this.self[i] = pos[i] - neg[i];
    }
    while (stack.length) this.end[stack.pop()] = n;
    for (let i = 1; i < n; i++) {
      const p = this.parent[i];
      this.self[p] -= pos[i] - neg[i];
    }
    this.maxDepth = maxDepth;
  }
  Tree.prototype.weight = function (u) { return this.pos[u] + this.neg[u]; };
  Tree.prototype.net = function (u) { return this.pos[u] - this.neg[u]; };
  Tree.prototype.firstChild = function (u) { return u + 1 < this.end[u] ? u + 1 : -1; };
  Tree.prototype.nextSibling = function (c) {
    const p = this.parent[c];
    return p >= 0 && this.end[c] < this.end[p] ? this.end[c] : -1;
  };
  Tree.prototype.prevSibling = function (c) {
    const p = this.parent[c];
    if (p < 0) return -1;
    let prev = -1;
    for (let k = this.firstChild(p); k >= 0 && k !== c; k = this.nextSibling(k)) prev = k;
    return prev;
  };

  const main = (function () {
    const n = D.nodeFrame.length;
    const neg = D.nodeNeg ? Float64Array.from(D.nodeNeg) : new Float64Array(n);
    return new Tree(Int32Array.from(D.nodeFrame), Int32Array.from(D.nodeDepth),
      Float64Array.from(D.nodeValue), neg);
  })();

  /* A trie being built (pivot views), flattened into a Tree with sorted children. */
  function Trie(rootFrame) {
    this.frame = [rootFrame];
    this.pos = [0];
    this.neg = [0];
    this.kids = [null];
    this.map = new Map();
  }
  Trie.prototype.child = function (u, f) {
    const key = u * NFRAMES + f;
    let c = this.map.get(key);
    if (c === undefined) {
      c = this.frame.length;
      this.frame.push(f);
      this.pos.push(0);
      this.neg.push(0);
      this.kids.push(null);
      (this.kids[u] || (this.kids[u] = [])).push(c);
      this.map.set(key, c);
    }
    return c;
  };
  Trie.prototype.toTree = function () {
    const n = this.frame.length;
    const frame = new Int32Array(n), depth = new Int32Array(n);
    const pos = new Float64Array(n), neg = new Float64Array(n);
    const w = (u) => this.pos[u] + this.neg[u];
    const stack = [[0, 0]];
    let k = 0;
    while (stack.length) {
      const [u, d] = stack.pop();
      frame[k] = this.frame[u]; depth[k] = d; pos[k] = this.pos[u]; neg[k] = this.neg[u]; k++;
      const kids = this.kids[u];
      if (!kids) continue;
      kids.sort((a, b) => w(b) - w(a) || (frameName[this.frame[a]] < frameName[this.frame[b]] ? -1 : 1));
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], d + 1]);
    }
    return new Tree(frame, depth, pos, neg);
  };

  /* Outermost occurrences of the frames in set (their subtrees hold every other one). */
  function occurrences(set) {
    const occ = [];
    for (let i = 1; i < main.n;) {
      if (set.has(main.frame[i])) { occ.push(i); i = main.end[i]; } else i++;
    }
    return occ;
  }

  /* Callees (merged subtrees of the occurrences) and callers (merged reversed paths to the
   * root), both rooted at the pivot. Several matching functions share one pivot box. */
  function buildPivot(set, label) {
    const occ = occurrences(set);
    if (!occ.length) return null;
    const one = new Set(occ.map((o) => main.frame[o])).size === 1;
    const rootFrame = one ? main.frame[occ[0]] : -1;
    const callees = new Trie(rootFrame), callers = new Trie(rootFrame);
    for (const o of occ) {
      const p = main.pos[o], q = main.neg[o];
      callees.pos[0] += p; callees.neg[0] += q;
      callers.pos[0] += p; callers.neg[0] += q;
      /* walk o's subtree in preorder, mapping each node to its trie node */
      const map = new Int32Array(main.end[o] - o);
      map[0] = 0;
      for (let i = o + 1; i < main.end[o]; i++) {
        const t = callees.child(map[main.parent[i] - o], main.frame[i]);
        map[i - o] = t;
        callees.pos[t] += main.pos[i];
        callees.neg[t] += main.neg[i];
      }
      let t = 0;
      for (let a = main.parent[o]; a > 0; a = main.parent[a]) {
        t = callers.child(t, main.frame[a]);
        callers.pos[t] += p;
        callers.neg[t] += q;
      }
    }
    return { callees: callees.toTree(), callers: callers.toTree(), label: label, set: set };
  }

  /* ---------------------------------------------------------------- formatting */

  const UNITS = {
    s: { base: 1e9, list: [['ns', 1], ['us', 1e3], ['ms', 1e6], ['s', 1e9], ['hrs', 3600e9]] },
    B: { base: 1, list: [['B', 1], ['kB', 1024], ['MB', 1024 ** 2], ['GB', 1024 ** 3], ['TB', 1024 ** 4], ['PB', 1024 ** 5]] },
    GCU: { base: 1, list: [['n*GCU', 1e-9], ['u*GCU', 1e-6], ['m*GCU', 1e-3], ['GCU', 1], ['k*GCU', 1e3], ['M*GCU', 1e6], ['G*GCU', 1e9], ['T*GCU', 1e12], ['P*GCU', 1e15]] },
  };

  /* value is in tree units; scale converts to the family's default unit (as pprof's page) */
  function unitText(value) {
    const v0 = value * D.scale;
    const sign = v0 < 0 ? '-' : '';
    let v = Math.abs(v0);
    let unit = D.unit;
    const def = UNITS[D.unit];
    if (def) {
      v *= def.base;
      const list = def.list;
      for (let i = 0; i < list.length; i++) {
        if (i === list.length - 1 || list[i + 1][1] > v) { v /= list[i][1]; unit = list[i][0]; break; }
      }
    }
    return sign + Number(v.toFixed(2)) + unit;
  }
  function pct(v) {
    if (!D.total) return '0%';
    return Number(((100 * v) / D.total).toFixed(1)) + '%';
  }
  function valueText(v) { return unitText(v) + ' (' + pct(v) + ')'; }

  function colorOf(index) {
    const hue = (((index + 1) * PHI * 360) % 360 + 360) % 360;
    return 'hsl(' + hue.toFixed(1) + ',58%,76%)';
  }

  /* Suffixes of a name split at '.', '::' and '/' outside brackets and parentheses (so that
   * "slices.Sort[go.shape.string]" shortens to "Sort[go.shape.string]"), longest first. */
  const suffixCache = new Map();
  function suffixes(name) {
    let s = suffixCache.get(name);
    if (s) return s;
    s = [name];
    let depth = 0;
    for (let i = 0; i < name.length; i++) {
      const c = name[i];
      if (c === '[' || c === '(' || c === '{') depth++;
      else if ((c === ']' || c === ')' || c === '}') && depth > 0) depth--;
      else if (depth === 0) {
        let len = 0;
        if (c === '.' || c === '/') len = 1;
        else if (c === ':' && name[i + 1] === ':') len = 2;
        if (len && i + len < name.length) s.push(name.slice(i + len));
        i += len ? len - 1 : 0;
      }
    }
    suffixCache.set(name, s);
    return s;
  }

  /* ---------------------------------------------------------------- state */

  const $ = (id) => document.getElementById(id);
  const holder = $('holder'), spacer = $('spacer'), canvas = $('chart');
  const ctx = canvas.getContext('2d');
  const tip = $('tip'), menu = $('menu'), help = $('help');
  const search = $('search'), matchEl = $('match');

  let flame = !!D.flame;
  let view = { pivot: null, band: 0, zoom: 0 };  /* band 0: callees/main, 1: callers */
  const backStack = [];
  let matches = null;        /* Uint8Array per frame, or null */
  let hover = null;          /* box under the mouse */
  let selected = null;       /* {band, node} */
  let menuBox = null;
  let boxes = [];            /* laid out boxes {band, node, x, w, row} */
  let rows = 1;
  let W = 0;
  const widthCache = new Map();

  function bands() {
    if (!view.pivot) return [{ tree: main, dir: 1 }];
    return [{ tree: view.pivot.callees, dir: 1 }, { tree: view.pivot.callers, dir: -1 }];
  }

  /* ---------------------------------------------------------------- layout */

  function layout() {
    W = holder.clientWidth;
    boxes = [];
    const bs = bands();
    const pad = 8;
    const usable = Math.max(10, W - 2 * pad);
    let above = 0;
    if (view.pivot && view.band === 0 && view.zoom === 0) above = bs[1].tree.maxDepth;
    if (view.pivot && view.band === 1) above = bs[1].tree.maxDepth;
    /* the pivot box belongs to the callee band; when that band is hidden, the callers draw it */
    const pivotFromCallers = view.pivot && view.band === 1 && view.zoom !== 0;
    bs.forEach((band, bi) => {
      if (view.pivot && view.zoom !== 0 && bi !== view.band) return;
      const t = band.tree;
      const skip = (u) => bi === 1 && u === 0 && !pivotFromCallers;
      const rowOf = (u) => above + band.dir * t.depth[u];
      const z = bi === view.band ? view.zoom : 0;
      /* ancestors of the zoomed node span the whole width */
      for (let a = t.parent[z]; a >= 0; a = t.parent[a]) {
        if (!skip(a)) boxes.push({ band: bi, node: a, x: pad, w: usable, row: rowOf(a) });
      }
      const total = t.weight(z);
      if (total <= 0) return;
      const scale = usable / total;
      const stack = [z, pad];
      while (stack.length) {
        const x = stack.pop(), u = stack.pop();
        const w = t.weight(u) * scale;
        if (!skip(u)) boxes.push({ band: bi, node: u, x: x, w: w, row: rowOf(u) });
        let cx = x;
        for (let c = t.firstChild(u); c >= 0; c = t.nextSibling(c)) {
          const cw = t.weight(c) * scale;
          if (cw < MIN_W) break; /* siblings are sorted: the rest are narrower */
          stack.push(c, cx);
          cx += cw;
        }
      }
    });
    let maxRow = 0, minRow = 0;
    for (const b of boxes) { if (b.row > maxRow) maxRow = b.row; if (b.row < minRow) minRow = b.row; }
    for (const b of boxes) b.row -= minRow;
    rows = maxRow - minRow + 1;
    const rowIndex = [];
    for (const b of boxes) (rowIndex[b.row] || (rowIndex[b.row] = [])).push(b);
    for (const r of rowIndex) if (r) r.sort((a, b) => a.x - b.x);
    layout.rowIndex = rowIndex;
    spacer.style.height = (rows * ROW + 2 * ROW) + 'px';
    layout.pivotRow = view.pivot && view.zoom === 0 ? above - minRow : -1;
  }

  /* In flame orientation a short graph sits at the bottom of the window. */
  function topPad() { return flame ? Math.max(ROW, holder.clientHeight - rows * ROW - 10) : 4; }
  function screenY(row) { return topPad() + (flame ? rows - 1 - row : row) * ROW; }
  function boxTree(b) { return bands()[b.band].tree; }

  /* ---------------------------------------------------------------- drawing */

  function textWidth(s) {
    let w = widthCache.get(s);
    if (w === undefined) { w = ctx.measureText(s).width; widthCache.set(s, w); }
    return w;
  }

  function fitText(name, avail) {
    for (const s of suffixes(name)) if (textWidth(s) <= avail) return s;
    const last = suffixes(name)[suffixes(name).length - 1];
    let lo = 0, hi = last.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (textWidth(last.slice(0, mid) + '…') <= avail) lo = mid; else hi = mid - 1;
    }
    return lo > 0 ? last.slice(0, lo) + '…' : '';
  }

  function draw() {
    const dpr = window.devicePixelRatio || 1;
    const H = holder.clientHeight;
    const top = holder.scrollTop;
    if (canvas.width !== Math.round(W * dpr) || canvas.height !== Math.round(H * dpr)) {
      canvas.width = Math.round(W * dpr);
      canvas.height = Math.round(H * dpr);
      canvas.style.width = W + 'px';
      canvas.style.height = H + 'px';
    }
    canvas.style.top = top + 'px';
    ctx.setTransform(dpr, 0, 0, dpr, 0, -top * dpr);
    ctx.clearRect(0, top, W, H);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    const hoverFrame = hover ? boxTree(hover).frame[hover.node] : -2;
    const outlines = [];
    for (const b of boxes) {
      const y = screenY(b.row);
      if (y + ROW < top || y > top + H) continue;
      const t = boxTree(b);
      const u = b.node;
      const f = t.frame[u];
      const inl = f >= 0 && frameInline[f];
      /* 1px gap on the right; non-inlined frames are separated from their caller */
      const w = Math.max(b.w - 1, 0.5);
      let y0 = y, h = ROW - 1;
      if (inl && !(b.band === 0 && u === 0)) { if (flame) h = ROW; else { y0 = y - 1; h = ROW; } }
      const matched = matches && f >= 0 && matches[f];
      if (f < 0 || (u === 0 && !view.pivot)) ctx.fillStyle = '#c9ced6';
      else if (matched) ctx.fillStyle = '#d946ef';
      else if (DIFF) ctx.fillStyle = '#dcdfe4';
      else ctx.fillStyle = frameColor[f];
      ctx.fillRect(b.x, y0, w, h);
      if (DIFF && !matched) {
        const delta = t.net(u);
        const pw = Math.min(w, Math.abs(delta) * (b.w / Math.max(t.weight(u), 1e-300)));
        if (pw >= 0.5) {
          ctx.fillStyle = delta > 0 ? '#ef8a80' : '#7cc98a';
          ctx.fillRect(b.x, y0, pw, h);
        }
      }
      if (b.w >= MIN_TEXT_W) {
        const label = fitText(nameOf(t, u), b.w - 8);
        if (label) {
          ctx.fillStyle = matched ? '#ffffff' : '#1d2430';
          ctx.fillText(label, b.x + 4, y + ROW / 2);
        }
      }
      if (f === hoverFrame || (selected && selected.band === b.band && selected.node === u)) outlines.push(b);
    }
    if (layout.pivotRow >= 0) {
      /* the pivot: callers on one side, callees on the other */
      const b = boxes.find((x) => x.band === 0 && x.node === 0);
      if (b) {
        ctx.lineWidth = 2;
        ctx.strokeStyle = '#86198f';
        ctx.strokeRect(b.x + 1, screenY(b.row) + 1, Math.max(b.w - 3, 1), ROW - 3);
      }
    }
    for (const b of outlines) {
      const isSel = selected && selected.band === b.band && selected.node === b.node;
      ctx.lineWidth = isSel ? 2 : 1.25;
      ctx.strokeStyle = isSel ? '#1d4ed8' : '#111827';
      ctx.strokeRect(b.x + 0.5, screenY(b.row) + 0.5, Math.max(b.w - 2, 1), ROW - 2);
    }
  }

  function nameOf(t, u) {
    const f = t.frame[u];
    if (f >= 0 && !(t === main && u === 0)) return frameName[f];
    if (t === main) return 'root';
    return view.pivot ? view.pivot.label : 'root';
  }

  let drawPending = false;
  function redraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; draw(); });
  }
  function render() {
    layout();
    draw();
    renderCrumbs();
    updateMatch();
    updateButtons();
    saveHash();
  }

  /* ---------------------------------------------------------------- header, crumbs */

  function header() {
    $('title').textContent = (D.title ? D.title + ' · ' : '') + (D.type || 'profile') +
      (DIFF ? ' (diff)' : '') + ': ' + D.totalText + ' total';
    $('subtitle').textContent = D.subtitle || '';
    $('subtitle').title = D.subtitle || '';
    document.title = (D.title || 'flame graph') + ' · ' + (D.type || '') + ' ' + D.totalText;
  }

  function renderCrumbs() {
    const el = $('crumbs');
    el.textContent = '';
    if (view.pivot) {
      const chip = document.createElement('span');
      chip.className = 'chip';
      chip.title = 'Callers above, callees below the pivot';
      chip.textContent = 'pivot: ' + view.pivot.label;
      const x = document.createElement('button');
      x.type = 'button';
      x.textContent = '×';
      x.title = 'Leave the pivot view';
      x.addEventListener('click', () => go({ pivot: null, band: 0, zoom: 0 }));
      chip.appendChild(x);
      el.appendChild(chip);
    }
    const t = bands()[view.band].tree;
    const path = [];
    for (let a = view.zoom; a >= 0; a = t.parent[a]) path.unshift(a);
    path.forEach((u, i) => {
      if (i) {
        const s = document.createElement('span');
        s.className = 'sep';
        s.textContent = view.band === 1 ? '←' : '›';
        el.appendChild(s);
      }
      const c = document.createElement('button');
      c.type = 'button';
      c.className = 'crumb' + (i === path.length - 1 ? ' current' : '');
      c.textContent = nameOf(t, u);
      c.title = nameOf(t, u) + ' · ' + valueText(t.net(u));
      if (i !== path.length - 1) c.addEventListener('click', () => go({ pivot: view.pivot, band: view.band, zoom: u }));
      el.appendChild(c);
    });
    if (path.length === 1 && !view.pivot) {
      const h = document.createElement('span');
      h.className = 'hint';
      h.textContent = '  ·  ' + D.samples.toLocaleString() + ' samples · click a box to zoom, right-click for callers';
      el.appendChild(h);
    }
  }

  function updateButtons() {
    $('btn-icicle').setAttribute('aria-pressed', String(!flame));
    $('btn-flame').setAttribute('aria-pressed', String(flame));
    $('btn-back').disabled = backStack.length === 0;
    $('btn-reset').disabled = !view.pivot && view.zoom === 0;
  }

  function setDetails(b) {
    if (!b) {
      $('d-left').textContent = '';
      $('d-right').textContent = 'total ' + D.totalText + (matches ? '' : '');
      return;
    }
    const t = boxTree(b);
    const f = t.frame[b.node];
    $('d-left').textContent = nameOf(t, b.node) + (f >= 0 && frameInline[f] ? ' (inlined)' : '') +
      (f >= 0 && frameFile[f] ? '  ' + frameFile[f] : '');
    $('d-right').textContent = detailText(t, b.node);
  }

  function detailText(t, u) {
    let s = valueText(t.net(u));
    if (t.self[u] !== 0) s += ' │ self ' + valueText(t.self[u]);
    if (DIFF && t.pos[u] > 0 && t.neg[u] > 0) s += ' │ ' + valueText(t.neg[u]) + ' → ' + valueText(t.pos[u]);
    return s;
  }

  /* ---------------------------------------------------------------- navigation */

  function go(next, noHistory) {
    if (!noHistory) backStack.push(view);
    view = next;
    selected = null;
    hover = null;
    hideTip();
    render();
    if (flame) holder.scrollTop = holder.scrollHeight;
  }
  function back() { if (backStack.length) { view = backStack.pop(); selected = null; render(); } }
  function reset() { if (view.pivot || view.zoom) go({ pivot: null, band: 0, zoom: 0 }); }

  function zoomTo(b) {
    const t = boxTree(b);
    if (view.pivot && b.band === 1 && b.node === 0) return go({ pivot: view.pivot, band: 0, zoom: 0 });
    if (b.band === view.band && b.node === view.zoom) {
      /* clicking the zoomed box zooms out one level */
      const p = t.parent[b.node];
      if (p >= 0) go({ pivot: view.pivot, band: view.band, zoom: p });
      return;
    }
    go({ pivot: view.pivot, band: b.band, zoom: b.node });
  }

  function pivotOn(b) {
    const t = boxTree(b);
    const f = t.frame[b.node];
    if (f < 0 || (t === main && b.node === 0)) return;
    const p = buildPivot(new Set([f]), frameName[f]);
    if (p) { p.re = '^' + quoteMeta(frameName[f]) + '$'; go({ pivot: p, band: 0, zoom: 0 }); }
  }

  function pivotOnMatches() {
    if (!matches) return;
    const set = new Set();
    for (let f = 1; f < NFRAMES; f++) if (matches[f]) set.add(f);
    if (!set.size) return;
    const label = set.size === 1 ? frameName[set.values().next().value] : '/' + search.value + '/ (' + set.size + ' functions)';
    const p = buildPivot(set, label);
    if (p) { p.re = search.value; go({ pivot: p, band: 0, zoom: 0 }); }
  }

  function quoteMeta(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }

  /* ---------------------------------------------------------------- search */

  function runSearch() {
    const q = search.value;
    search.classList.remove('bad');
    if (!q) { matches = null; updateMatch(); redraw(); return; }
    let re;
    try { re = new RegExp(q); } catch (e) { search.classList.add('bad'); matches = null; updateMatch(); redraw(); return; }
    matches = new Uint8Array(NFRAMES);
    for (let f = 1; f < NFRAMES; f++) if (re.test(frameName[f]) || (frameFile[f] && re.test(frameFile[f]))) matches[f] = 1;
    updateMatch();
    saveHash();
    redraw();
  }

  /* Matched weight: outermost matching nodes of the shown tree, so nested matches count once. */
  function updateMatch() {
    if (!matches) { matchEl.textContent = ''; return; }
    const t = bands()[view.band].tree;
    const z = view.zoom;
    let sum = 0, count = 0;
    for (let i = z; i < t.end[z];) {
      const f = t.frame[i];
      if (f >= 0 && matches[f] && !(t === main && i === 0)) { sum += t.net(i); count++; i = t.end[i]; } else i++;
    }
    matchEl.textContent = count ? 'matched: ' + valueText(sum) : 'no match';
  }

  let searchTimer = 0;
  search.addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(runSearch, 120); });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); clearTimeout(searchTimer); runSearch(); pivotOnMatches(); }
    else if (e.key === 'Escape') { search.value = ''; runSearch(); holder.focus(); }
    e.stopPropagation();
  });

  /* ---------------------------------------------------------------- mouse */

  function boxAt(clientX, clientY) {
    const r = canvas.getBoundingClientRect();
    const x = clientX - r.left;
    const y = clientY - r.top + holder.scrollTop;
    const r0 = Math.floor((y - topPad()) / ROW);
    const row = flame ? rows - 1 - r0 : r0;
    const list = layout.rowIndex[row];
    if (!list) return null;
    let lo = 0, hi = list.length - 1, found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = list[mid];
      if (x < b.x) hi = mid - 1;
      else if (x >= b.x + b.w) lo = mid + 1;
      else { found = b; break; }
    }
    return found;
  }

  function showTip(b, cx, cy) {
    const t = boxTree(b);
    const u = b.node;
    const f = t.frame[u];
    tip.textContent = '';
    const n = document.createElement('div');
    n.className = 'n';
    n.textContent = nameOf(t, u);
    if (f >= 0 && frameInline[f]) {
      const tag = document.createElement('span');
      tag.className = 'tag';
      tag.textContent = 'inlined';
      n.appendChild(tag);
    }
    tip.appendChild(n);
    if (f >= 0 && frameFile[f]) {
      const fl = document.createElement('div');
      fl.className = 'f';
      fl.textContent = frameFile[f];
      tip.appendChild(fl);
    }
    const v = document.createElement('div');
    v.className = 'v';
    v.textContent = valueText(t.net(u)) + ' │ self ' + valueText(t.self[u]);
    tip.appendChild(v);
    if (DIFF) {
      const d = document.createElement('div');
      const delta = t.net(u);
      d.className = delta > 0 ? 'up' : delta < 0 ? 'down' : '';
      d.textContent = (delta > 0 ? 'growth ' : delta < 0 ? 'shrinkage ' : 'no change ') +
        'base ' + unitText(t.neg[u]) + ' → new ' + unitText(t.pos[u]);
      tip.appendChild(d);
    }
    tip.hidden = false;
    const tw = tip.offsetWidth, th = tip.offsetHeight;
    let x = cx + 14, y = cy + 16;
    if (x + tw > window.innerWidth - 8) x = Math.max(8, cx - tw - 14);
    if (y + th > window.innerHeight - 8) y = Math.max(8, cy - th - 12);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }
  function hideTip() { tip.hidden = true; }

  canvas.addEventListener('mousemove', (e) => {
    if (!menu.hidden) return;
    const b = boxAt(e.clientX, e.clientY);
    if (b !== hover) { hover = b; setDetails(b || selectedBox()); redraw(); }
    if (b) showTip(b, e.clientX, e.clientY); else hideTip();
  });
  canvas.addEventListener('mouseleave', () => { hover = null; hideTip(); setDetails(selectedBox()); redraw(); });
  let downAt = null;
  canvas.addEventListener('mousedown', (e) => { downAt = [e.clientX, e.clientY]; });
  canvas.addEventListener('click', (e) => {
    if (downAt && (Math.abs(e.clientX - downAt[0]) > 3 || Math.abs(e.clientY - downAt[1]) > 3)) return;
    const b = boxAt(e.clientX, e.clientY);
    if (!b) return;
    if (e.shiftKey) pivotOn(b); else zoomTo(b);
  });
  canvas.addEventListener('contextmenu', (e) => {
    const b = boxAt(e.clientX, e.clientY);
    if (!b) return;
    e.preventDefault();
    openMenu(b, e.clientX, e.clientY);
  });
  holder.addEventListener('scroll', redraw);
  window.addEventListener('resize', () => { layout(); draw(); });

  /* ---------------------------------------------------------------- menu */

  function openMenu(b, x, y) {
    menuBox = b;
    selected = { band: b.band, node: b.node };
    hideTip();
    $('menu-title').textContent = nameOf(boxTree(b), b.node);
    menu.hidden = false;
    const mw = menu.offsetWidth, mh = menu.offsetHeight;
    menu.style.left = Math.min(x, window.innerWidth - mw - 8) + 'px';
    menu.style.top = Math.min(y, window.innerHeight - mh - 8) + 'px';
    menu.querySelector('button').focus();
    redraw();
  }
  function closeMenu() { menu.hidden = true; menuBox = null; }
  menu.addEventListener('click', (e) => {
    const btn = e.target.closest('button');
    if (!btn || !menuBox) return;
    const b = menuBox;
    closeMenu();
    act(btn.dataset.act, b);
    holder.focus();
  });
  document.addEventListener('mousedown', (e) => {
    if (!menu.hidden && !menu.contains(e.target)) closeMenu();
    if (!help.hidden && !help.contains(e.target) && e.target !== $('btn-help')) help.hidden = true;
  });

  function act(what, b) {
    const t = boxTree(b);
    const name = nameOf(t, b.node);
    if (what === 'zoom') zoomTo(b);
    else if (what === 'pivot') pivotOn(b);
    else if (what === 'search') { search.value = '^' + quoteMeta(name) + '$'; runSearch(); }
    else if (what === 'copy' && navigator.clipboard) navigator.clipboard.writeText(name).catch(() => {});
  }

  /* ---------------------------------------------------------------- keyboard */

  function selectedBox() {
    if (!selected) return null;
    for (const b of boxes) if (b.band === selected.band && b.node === selected.node) return b;
    return null;
  }

  function select(b) {
    if (!b) return;
    selected = { band: b.band, node: b.node };
    setDetails(b);
    const y = screenY(b.row);
    if (y < holder.scrollTop) holder.scrollTop = y - ROW;
    else if (y + ROW > holder.scrollTop + holder.clientHeight) holder.scrollTop = y + 2 * ROW - holder.clientHeight;
    redraw();
  }

  /* Arrows move on screen: left/right along the row, up/down to the box above/below. */
  function move(key) {
    const b = selectedBox();
    if (!b) { select(boxes.find((x) => x.band === view.band && x.node === view.zoom) || boxes[0]); return; }
    const rowIndex = layout.rowIndex;
    if (key === 'ArrowLeft' || key === 'ArrowRight') {
      const list = rowIndex[b.row];
      const i = list.indexOf(b) + (key === 'ArrowLeft' ? -1 : 1);
      if (i >= 0 && i < list.length) select(list[i]);
      return;
    }
    const down = key === 'ArrowDown';
    const row = b.row + (down !== flame ? 1 : -1);
    const list = rowIndex[row];
    if (!list) return;
    const cx = b.x + b.w / 2;
    let best = null, dist = Infinity;
    for (const x of list) {
      const d = cx < x.x ? x.x - cx : cx >= x.x + x.w ? cx - (x.x + x.w) : 0;
      if (d < dist) { dist = d; best = x; }
    }
    select(best);
  }

  document.addEventListener('keydown', (e) => {
    if (e.target === search) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    if (!menu.hidden) {
      if (k === 'Escape') { closeMenu(); e.preventDefault(); return; }
      const acts = { Enter: 'zoom', p: 'pivot', s: 'search', c: 'copy' };
      if (acts[k] && menuBox) { const b = menuBox; closeMenu(); act(acts[k], b); e.preventDefault(); }
      return;
    }
    if (k === '/') { e.preventDefault(); search.focus(); search.select(); }
    else if (k === '?') { help.hidden = !help.hidden; }
    else if (k === 'Escape') {
      if (!help.hidden) help.hidden = true;
      else if (search.value) { search.value = ''; runSearch(); }
      else reset();
    }
    else if (k === 'r') reset();
    else if (k === 'Backspace' || k === 'u') { e.preventDefault(); back(); }
    else if (k === 'i') { setOrientation(false); }
    else if (k === 'f') { setOrientation(true); }
    else if (k.startsWith('Arrow')) { e.preventDefault(); move(k); }
    else if (k === 'Enter') { const b = selectedBox(); if (b) zoomTo(b); }
    else if (k === 'p') { const b = selectedBox() || hover; if (b) pivotOn(b); }
    else if (k === 's') { const b = selectedBox() || hover; if (b) act('search', b); }
    else if (k === 'c') { const b = selectedBox() || hover; if (b) act('copy', b); }
  });

  function setOrientation(f) {
    if (flame === f) return;
    flame = f;
    render();
    holder.scrollTop = flame ? holder.scrollHeight : 0;
  }

  $('btn-icicle').addEventListener('click', () => setOrientation(false));
  $('btn-flame').addEventListener('click', () => setOrientation(true));
  $('btn-back').addEventListener('click', back);
  $('btn-reset').addEventListener('click', reset);
  $('btn-help').addEventListener('click', () => { help.hidden = !help.hidden; });
  if (!DIFF) document.querySelector('.legend-diff').hidden = true;

  /* The view in the URL's fragment (#q=regex&p=pivot-regex&o=flame), so that a view can be
   * bookmarked or shared: the page itself never leaves the file. */
  function saveHash() {
    const h = new URLSearchParams();
    if (search.value) h.set('q', search.value);
    if (view.pivot && view.pivot.re) h.set('p', view.pivot.re);
    if (flame !== !!D.flame) h.set('o', flame ? 'flame' : 'icicle');
    const str = h.toString();
    try { window.history.replaceState(null, '', str ? '#' + str : location.pathname + location.search); } catch (e) { /* file: URLs in some browsers */ }
  }

  function loadHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    if (h.get('o') === 'flame') flame = true;
    if (h.get('o') === 'icicle') flame = false;
    if (h.get('q')) { search.value = h.get('q'); runSearch(); }
    const p = h.get('p');
    if (p) {
      try {
        const re = new RegExp(p);
        const set = new Set();
        for (let f = 1; f < NFRAMES; f++) if (re.test(frameName[f]) || (frameFile[f] && re.test(frameFile[f]))) set.add(f);
        const piv = set.size ? buildPivot(set, set.size === 1 ? frameName[set.values().next().value] : '/' + p + '/ (' + set.size + ' functions)') : null;
        if (piv) { piv.re = p; view = { pivot: piv, band: 0, zoom: 0 }; }
      } catch (e) { /* ignore a bad fragment */ }
    }
  }

  header();
  loadHash();
  render();
  setDetails(null);
  if (flame) holder.scrollTop = holder.scrollHeight;
  holder.focus({ preventScroll: true });
})();
