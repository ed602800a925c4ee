"""The script of the map of ``report.html`` (inlined: the page works offline).

It decodes the payload of :func:`embedscope.report.map_payload.map_payload` (base64 typed arrays, gzip'd
names) into ``Float32Array`` / ``Uint8Array`` columns, draws every sample as one WebGL scatter trace
(plotly.js ``scattergl``), one trace per colour: a category, or one of :data:`map_payload.N_LEVELS` levels of a
continuous value (with a colour bar); plotly's per-point colour arrays cost seconds at 1M points. Sets are drawn
in the order input, random, datapool, selected so the selection stays on top; under any other colouring the
selected samples are drawn again as rings. It turns plotly's lasso / box selection (``plotly_selected``) into
a list of the chosen samples with thumbnails and two downloads: the filename list ``embedscope report
--selected`` reads, and a CSV built on click by :data:`html_map_export_script.EXPORT_SCRIPT`.
"""

from __future__ import annotations

MAP_SCRIPT = r"""
(function () {
  'use strict';
  var LIST_LIMIT = 200;  // selected samples listed on the page (all of them are in the downloads)
  var pendingMaps = 0, afterMaps = [];  // the page's other figures wait for the maps' first paint
  window.embedscopeAfterMap = function (draw) { if (pendingMaps) { afterMaps.push(draw); } else { draw(); } };
  function mapPainted() {
    pendingMaps -= 1;
    if (!pendingMaps) { afterMaps.splice(0).forEach(function (draw) { setTimeout(draw, 0); }); }
  }
  var maps = window.embedscopeMaps = window.embedscopeMaps || [];

  function bytes(b64) {
    var text = atob(b64), out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { out[i] = text.charCodeAt(i); }
    return out;
  }
  var ARRAYS = {u1: Uint8Array, u2: Uint16Array, i4: Int32Array, f4: Float32Array, f8: Float64Array};
  function typed(spec) { return new ARRAYS[spec.dtype](bytes(spec.bdata).buffer); }
  window.embedscopeDecode = {bytes: bytes, typed: typed};
  function dequantize(spec) {  // uint16 steps of [lo, hi] -> Float32Array (NaN = missing)
    var codes = typed(spec), out = new Float32Array(codes.length), span = spec.hi > spec.lo ? spec.hi - spec.lo : 1;
    for (var i = 0; i < codes.length; i++) {
      out[i] = codes[i] === 65535 ? NaN : spec.lo + codes[i] / 65534 * span;
    }
    return out;
  }
  function names(b64) {
    var stream = new Blob([bytes(b64)]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).text().then(JSON.parse);
  }
  function steppedScale(colors) {
    var k = colors.length, scale = [];
    colors.forEach(function (c, i) { scale.push([i / k, c], [(i + 1) / k, c]); });
    return k === 1 ? [[0, colors[0]], [1, colors[0]]] : scale;
  }
  function fmt(v) { return isNaN(v) ? 'missing' : (Math.abs(v) >= 1000 || v === 0 ? v.toFixed(0) : v.toPrecision(4)); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function rowsOf(codes, k) {  // codes (one per sample, 0..k-1) -> k Uint32Arrays of sample rows, in row order
    var counts = new Uint32Array(k), i, out = [];
    for (i = 0; i < codes.length; i++) { counts[codes[i]]++; }
    for (i = 0; i < k; i++) { out.push(new Uint32Array(counts[i])); counts[i] = 0; }
    for (i = 0; i < codes.length; i++) { var c = codes[i]; out[c][counts[c]++] = i; }
    return out;
  }

  // One WebGL trace per colour (a category, or one of the levels of a continuous value): plotly's per-point
  // colour arrays cost seconds at 1M points, a trace with one colour costs nothing.
  function EmbeddingMap(root, payload) {
    this.root = root; this.payload = payload; this.n = payload.n;
    this.big = this.n > 200000;
    this.setCodes = typed(payload.columns[0]);
    this.highlight = [];  // rows drawn as rings on top of every colouring but the set's: the selection
    for (var i = 0; i < this.n; i++) { if (this.setCodes[i] === 3) { this.highlight.push(i); } }
    this.highlight = Uint32Array.from(this.highlight);
    this.groupCache = {}; this.projectionCache = {};
    this.chosen = new Uint8Array(this.n); this.selectedRows = new Uint32Array(0);
    this.plot = root.querySelector('.map-plot');
    this.legend = root.querySelector('.map-legend');
    this.panel = root.querySelector('.map-selection');
  }
  EmbeddingMap.prototype.projection = function (index) {
    if (!this.projectionCache[index]) {
      var spec = this.payload.projections[index];
      this.projectionCache[index] = {x: dequantize(spec.x), y: dequantize(spec.y)};
    }
    return this.projectionCache[index];
  };
  EmbeddingMap.prototype.groups = function (index) {  // [{rows, color, name, size, symbol}] in drawing order
    if (this.groupCache[index]) { return this.groupCache[index]; }
    var spec = this.payload.columns[index], groups = [], i;
    var small = this.big ? 2 : (this.n > 20000 ? 3 : 5);
    if (spec.kind === 'category') {
      var byCode = rowsOf(typed(spec), spec.categories.length);
      byCode.forEach(function (rows, c) {
        groups.push({rows: rows, color: spec.colors[c], name: spec.categories[c], size: small, symbol: 'circle'});
      });
    } else {
      var levels = this.payload.levelColors, k = levels.length, codes = typed(spec), level = new Uint8Array(this.n);
      for (i = 0; i < this.n; i++) {
        level[i] = codes[i] === 65535 ? 0 : 1 + Math.min(k - 1, Math.floor(codes[i] / 65534 * k));
      }
      rowsOf(level, k + 1).forEach(function (rows, l) {
        groups.push({rows: rows, color: l ? levels[l - 1] : '#dddddd', name: l ? 'level ' + l : 'missing',
                     size: small, symbol: 'circle'});
      });
    }
    if (index === 0) {
      var sizes = this.big ? [2, 3, 4, 4] : (this.n > 20000 ? [3, 4, 6, 6] : [5, 6, 8, 8]);
      groups.forEach(function (g, c) { g.size = sizes[c] || small; });
    } else if (this.highlight.length) {
      groups.push({rows: this.highlight, color: '#0b2545', name: 'selected', size: this.big ? 6 : 10,
                   symbol: 'circle-open'});
    }
    this.groupCache[index] = groups;
    return groups;
  };
  function strided(rows, step) {  // every step-th row of a group: the preview keeps each group's share
    if (step <= 1) { return rows; }
    var out = new Uint32Array(Math.ceil(rows.length / step));
    for (var i = 0, j = 0; i < rows.length; i += step) { out[j++] = rows[i]; }
    return out;
  }
  EmbeddingMap.prototype.traces = function () {
    var xy = this.projection(this.projectionIndex), chosen = this.chosen, any = this.selectedRows.length > 0;
    var spec = this.payload.columns[this.columnIndex], step = this.preview ? Math.ceil(this.n / this.payload.previewPoints) : 1;
    var drawn = this.drawnRows = [];  // rows of each trace's points, for hover and selection
    var traces = this.groups(this.columnIndex).map(function (g) {
      var rows = g.symbol === 'circle-open' ? g.rows : strided(g.rows, step);
      var x = new Float32Array(rows.length), y = new Float32Array(rows.length), picked = [];
      drawn.push(rows);
      for (var i = 0; i < rows.length; i++) {
        x[i] = xy.x[rows[i]]; y[i] = xy.y[rows[i]];
        if (any && chosen[rows[i]]) { picked.push(i); }
      }
      var trace = {type: 'scattergl', mode: 'markers', x: x, y: y, name: g.name, hoverinfo: 'none',
        marker: {color: g.color, size: g.size, symbol: g.symbol,
                 line: g.symbol === 'circle-open' ? {width: 1.5, color: g.color} : {width: 0}},
        unselected: {marker: {opacity: 0.15}}, selected: {marker: {opacity: 1}}};
      if (any) { trace.selectedpoints = picked; }
      return trace;
    });
    if (spec.kind !== 'category') {  // the colour bar: an empty SVG trace carrying the levels' colour scale
      traces.push({type: 'scatter', mode: 'markers', x: [null], y: [null], hoverinfo: 'skip', showlegend: false,
        marker: {color: [spec.lo, spec.hi], cmin: spec.lo, cmax: spec.hi, colorscale: steppedScale(this.payload.levelColors),
                 showscale: true, colorbar: {title: {text: spec.label, side: 'right'}, thickness: 14, len: 0.9}}});
    }
    return traces;
  };
  EmbeddingMap.prototype.draw = function () {
    var self = this, traces = this.traces();
    if (!this.root.hasAttribute('data-decoded')) { this.root.setAttribute('data-decoded', String(Math.round(performance.now()))); }
    var layout = {height: 620, margin: {l: 20, r: 20, t: 10, b: 20}, dragmode: this.dragmode || 'lasso',
      hovermode: 'closest', template: 'plotly_white', showlegend: false, uirevision: 'map',
      xaxis: {showticklabels: false, zeroline: false, showgrid: false},
      yaxis: {showticklabels: false, zeroline: false, showgrid: false}, font: {family: 'Helvetica, Arial, sans-serif'}};
    var config = {responsive: true, displaylogo: false, scrollZoom: true,
      modeBarButtonsToRemove: ['toImage', 'autoScale2d']};
    return Plotly.react(this.plot, traces, layout, config).then(function (gd) {
      if (!self.bound) { self.bind(gd); }
      self.drawLegend();
      return gd;
    });
  };
  EmbeddingMap.prototype.rowOf = function (point) {
    var rows = this.drawnRows[point.curveNumber];
    return rows ? rows[point.pointIndex] : undefined;
  };
  EmbeddingMap.prototype.bind = function (gd) {
    var self = this; this.bound = true;
    gd.on('plotly_selected', function (event) { self.select(event ? event.points : []); });
    gd.on('plotly_deselect', function () { self.select([]); });
    gd.on('plotly_relayout', function (e) { if (e && e.dragmode) { self.dragmode = e.dragmode; } });
    gd.on('plotly_hover', function (event) { self.hover(event); });
    gd.on('plotly_unhover', function () { var box = document.getElementById('thumbnail-box'); if (box) { box.style.display = 'none'; } });
  };
  EmbeddingMap.prototype.drawLegend = function () {
    var spec = this.payload.columns[this.columnIndex], legend = this.legend;
    legend.textContent = '';
    if (spec.kind !== 'category') {
      var rings = this.highlight.length ? '; rings: the ' + this.highlight.length.toLocaleString('en-US') + ' selected samples' : '';
      legend.appendChild(el('span', 'map-note', spec.label + ': ' + fmt(spec.lo) + ' (dark) to ' + fmt(spec.hi) + ' (yellow)' + rings));
      return;
    }
    var keys = spec.categories.map(function (label, i) { return [label, spec.colors[i], spec.counts[i], false]; });
    if (this.columnIndex !== 0 && this.highlight.length) { keys.push(['selected', '#0b2545', this.highlight.length, true]); }
    keys.forEach(function (key) {
      var label = key[0], color = key[1], count = key[2];
      if (!count) { return; }
      var item = el('span', 'map-key'), swatch = el('i');
      if (key[3]) { swatch.style.border = '1.5px solid ' + color; } else { swatch.style.background = color; }
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(label + ' (' + count.toLocaleString('en-US') + ')'));
      legend.appendChild(item);
    });
  };
  EmbeddingMap.prototype.valueText = function (row) {
    var spec = this.payload.columns[this.columnIndex];
    if (!spec.decoded) { spec.decoded = typed(spec); }
    var code = spec.decoded[row];
    if (spec.kind === 'category') { return spec.categories[code]; }
    return code === 65535 ? 'missing' : fmt(spec.lo + code / 65534 * (spec.hi > spec.lo ? spec.hi - spec.lo : 1));
  };
  EmbeddingMap.prototype.hover = function (event) {
    var box = document.getElementById('thumbnail-box'), point = event.points[0];
    if (!box || !point || !this.names) { return; }
    var row = this.rowOf(point);
    if (row === undefined) { return; }
    var name = this.names[row], spec = this.payload.columns[this.columnIndex];
    var thumbnails = (typeof EMBEDSCOPE_THUMBNAILS === 'undefined') ? {} : EMBEDSCOPE_THUMBNAILS;
    var img = box.querySelector('img');
    img.style.display = thumbnails[name] ? 'block' : 'none';
    if (thumbnails[name]) { img.src = thumbnails[name]; }
    box.querySelector('span').textContent = name + ' · ' + spec.label + ': ' + this.valueText(row);
    var x = event.event ? event.event.clientX : 0, y = event.event ? event.event.clientY : 0;
    box.style.left = Math.min(x + 18, window.innerWidth - 250) + 'px';
    box.style.top = Math.min(y + 18, window.innerHeight - 270) + 'px';
    box.style.display = 'block';
  };
  EmbeddingMap.prototype.select = function (points) {  // a sample drawn twice (ring and dot) counts once
    var chosen = this.chosen = new Uint8Array(this.n), count = 0, i;
    for (i = 0; i < points.length; i++) {
      var row = this.rowOf(points[i]);
      if (row !== undefined && !chosen[row]) { chosen[row] = 1; count++; }
    }
    var rows = new Uint32Array(count), j = 0;
    for (i = 0; i < this.n; i++) { if (chosen[i]) { rows[j++] = i; } }
    this.selectedRows = rows;
    this.showSelection();
  };
  EmbeddingMap.prototype.selectedNames = function () {
    var names = this.names, out = [];
    this.selectedRows.forEach(function (row) { out.push(names[row]); });
    return out;
  };
  EmbeddingMap.prototype.filenameList = function () {
    var list = this.selectedNames();
    return list.length ? list.join('\n') + '\n' : '';
  };
  EmbeddingMap.prototype.download = function (link, text, type) {
    if (link.href.indexOf('blob:') === 0) { URL.revokeObjectURL(link.href); }
    link.href = URL.createObjectURL(new Blob([text], {type: type}));
  };
  EmbeddingMap.prototype.bindCsvLink = function (link) {  // the CSV is built on click: seconds for 16 MiB of floats
    var self = this;
    link.href = '#';
    link.addEventListener('click', function () {
      if (self.csvFor !== self.selectedRows) {
        self.download(link, window.embedscopeSelectionCsv(self), 'text/csv');
        self.csvFor = self.selectedRows;
      }
    });
  };
  EmbeddingMap.prototype.showSelection = function () {  // called again once the names are decoded
    if (!this.names) { return; }
    var panel = this.panel, rows = this.selectedRows, self = this;
    var thumbnails = (typeof EMBEDSCOPE_THUMBNAILS === 'undefined') ? {} : EMBEDSCOPE_THUMBNAILS;
    panel.querySelector('.map-count').textContent = rows.length
      ? rows.length.toLocaleString('en-US') + ' samples chosen' + (rows.length > LIST_LIMIT ? ' (the first ' + LIST_LIMIT + ' listed; the downloads hold all)' : '')
      : 'No samples chosen: draw a lasso or a box on the map (the lasso and box tools are in the bar above it).';
    var list = panel.querySelector('.map-list');
    list.textContent = '';
    for (var i = 0; i < Math.min(rows.length, LIST_LIMIT); i++) {
      var name = this.names[rows[i]], item = el('figure');
      if (thumbnails[name]) { var img = el('img'); img.src = thumbnails[name]; img.alt = ''; item.appendChild(img); }
      item.appendChild(el('figcaption', '', name));
      list.appendChild(item);
    }
    var links = panel.querySelectorAll('a.map-download');
    links.forEach(function (a) { a.style.display = rows.length ? 'inline-block' : 'none'; });
    panel.querySelector('.map-export-note').style.display = rows.length ? 'block' : 'none';
    if (rows.length) { self.download(links[0], self.filenameList(), 'text/plain'); }
  };
  EmbeddingMap.prototype.start = function () {
    var self = this, controls = this.root.querySelector('.map-controls');
    var projectionMenu = controls.querySelector('.map-projection'), colorMenu = controls.querySelector('.map-color');
    this.payload.projections.forEach(function (p, i) { projectionMenu.appendChild(new Option(p.label, i)); });
    this.payload.columns.forEach(function (c, i) { colorMenu.appendChild(new Option(c.label, i)); });
    this.projectionIndex = 0;
    this.columnIndex = this.payload.defaultColumn || 0;
    colorMenu.value = String(this.columnIndex);
    projectionMenu.addEventListener('change', function () {
      self.projectionIndex = Number(projectionMenu.value); self.selectedRows = new Uint32Array(0); self.chosen = new Uint8Array(self.n);
      Plotly.purge(self.plot); self.bound = false; self.draw().then(function () { self.showSelection(); });
    });
    colorMenu.addEventListener('change', function () { self.columnIndex = Number(colorMenu.value); self.draw(); });
    this.preview = this.n > this.payload.previewPoints;
    this.bindCsvLink(this.panel.querySelectorAll('a.map-download')[1]);
    var first = this.draw();
    first.catch(mapPainted);  // a failed map must not hold the page's other figures back
    return first.then(function () {  // first paint (a subsample above previewPoints), for the benchmark
      self.root.setAttribute('data-drawn', String(Math.round(performance.now())));
      mapPainted();
      if (!self.preview) { return null; }
      self.preview = false;
      return new Promise(function (resolve) { setTimeout(resolve, 0); }).then(function () { return self.draw(); });
    }).then(function () {
      self.root.setAttribute('data-full', String(Math.round(performance.now())));
      return names(self.payload.names);  // decoded after the points are drawn: hover, lists and exports need them
    }).then(function (decoded) {
      self.names = decoded;
      self.showSelection();
      self.ready = true;
      self.root.setAttribute('data-ready', String(Math.round(performance.now())));
      return self;
    });
  };

  window.embedscopeStartMap = function (rootId, payload) {
    document.getElementById(rootId).setAttribute('data-start', String(Math.round(performance.now())));
    pendingMaps += 1;
    var map = new EmbeddingMap(document.getElementById(rootId), payload);
    maps.push(map);
    return map.start();
  };
})();
"""
