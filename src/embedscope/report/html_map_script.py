"""The script of the map of ``report.html`` (inlined: the page works offline).

It decodes the payload of :func:`embedscope.report.map_payload.map_payload` (base64 typed arrays, gzip'd
names) into ``Float32Array`` / ``Uint8Array`` columns, draws every sample as one WebGL scatter trace
(plotly.js ``scattergl``, sets drawn in the order input, random, datapool, selected so the selection stays on
top), colours it by the chosen column (categories with a legend and counts, continuous values with a colour
bar), and turns plotly's lasso / box selection (``plotly_selected``) into a list of the chosen samples with
thumbnails and two downloads: the filename list ``embedscope report --selected`` reads, and a CSV
``filenames,selected`` in the input order.
"""

from __future__ import annotations

MAP_SCRIPT = r"""
(function () {
  'use strict';
  var LIST_LIMIT = 200;  // selected samples listed on the page (all of them are in the downloads)
  var SET_SIZES = [3, 4, 6, 6];  // marker px per set code: input, random, datapool, selected
  var maps = window.embedscopeMaps = window.embedscopeMaps || [];

  function bytes(b64) {
    var text = atob(b64), out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { out[i] = text.charCodeAt(i); }
    return out;
  }
  function typed(spec) {
    var raw = bytes(spec.bdata).buffer;
    return spec.dtype === 'u1' ? new Uint8Array(raw) : new Uint16Array(raw);
  }
  function dequantize(spec, order) {  // uint16 steps of [lo, hi] -> Float32Array in drawing order (NaN = missing)
    var codes = typed(spec), out = new Float32Array(order.length), span = spec.hi > spec.lo ? spec.hi - spec.lo : 1;
    for (var i = 0; i < order.length; i++) {
      var c = codes[order[i]];
      out[i] = c === 65535 ? NaN : spec.lo + c / 65534 * span;
    }
    return out;
  }
  function names(b64) {
    var stream = new Blob([bytes(b64)]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).text().then(JSON.parse);
  }
  function drawOrder(setCodes) {  // stable counting sort by set code: later sets are drawn on top
    var counts = [0, 0, 0, 0, 0], i;
    for (i = 0; i < setCodes.length; i++) { counts[setCodes[i] + 1]++; }
    for (i = 1; i < counts.length; i++) { counts[i] += counts[i - 1]; }
    var order = new Uint32Array(setCodes.length);
    for (i = 0; i < setCodes.length; i++) { order[counts[setCodes[i]]++] = i; }
    return order;
  }
  function steppedScale(colors) {
    var k = colors.length, scale = [];
    colors.forEach(function (c, i) { scale.push([i / k, c], [(i + 1) / k, c]); });
    return k === 1 ? [[0, colors[0]], [1, colors[0]]] : scale;
  }
  function fmt(v) { return isNaN(v) ? 'missing' : (Math.abs(v) >= 1000 || v === 0 ? v.toFixed(0) : v.toPrecision(4)); }
  function csvField(s) { return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function EmbeddingMap(root, payload) {
    this.root = root; this.payload = payload; this.n = payload.n;
    this.setCodes = typed(payload.columns[0]);
    this.order = drawOrder(this.setCodes);
    this.sizes = new Float32Array(this.n);
    for (var i = 0; i < this.n; i++) { this.sizes[i] = SET_SIZES[this.setCodes[this.order[i]]]; }
    if (this.n > 200000) { for (i = 0; i < this.n; i++) { this.sizes[i] = Math.max(2, this.sizes[i] - 2); } }
    this.columnCache = {}; this.projectionCache = {};
    this.selectedRows = new Uint32Array(0); this.selectedPoints = [];
    this.plot = root.querySelector('.map-plot');
    this.legend = root.querySelector('.map-legend');
    this.panel = root.querySelector('.map-selection');
  }
  EmbeddingMap.prototype.projection = function (index) {
    if (!this.projectionCache[index]) {
      var spec = this.payload.projections[index];
      this.projectionCache[index] = {x: dequantize(spec.x, this.order), y: dequantize(spec.y, this.order)};
    }
    return this.projectionCache[index];
  };
  EmbeddingMap.prototype.column = function (index) {  // colour values in drawing order
    if (!this.columnCache[index]) {
      var spec = this.payload.columns[index], out;
      if (spec.kind === 'category') {
        var codes = typed(spec);
        out = new Float32Array(this.n);
        for (var i = 0; i < this.n; i++) { out[i] = codes[this.order[i]] + 0.5; }
      } else {
        out = dequantize(spec, this.order);
      }
      this.columnCache[index] = out;
    }
    return this.columnCache[index];
  };
  EmbeddingMap.prototype.marker = function (columnIndex) {
    var spec = this.payload.columns[columnIndex], marker = {size: this.sizes, color: this.column(columnIndex),
      opacity: 0.8, line: {width: 0}};
    if (spec.kind === 'category') {
      marker.colorscale = steppedScale(spec.colors); marker.cmin = 0; marker.cmax = spec.categories.length;
      marker.showscale = false;
    } else {
      marker.colorscale = 'Viridis'; marker.cmin = spec.lo; marker.cmax = spec.hi; marker.showscale = true;
      marker.colorbar = {title: {text: spec.label, side: 'right'}, thickness: 14, len: 0.9};
    }
    return marker;
  };
  EmbeddingMap.prototype.draw = function () {
    var self = this, xy = this.projection(this.projectionIndex);
    var trace = {type: 'scattergl', mode: 'markers', x: xy.x, y: xy.y, marker: this.marker(this.columnIndex),
      hoverinfo: 'none', unselected: {marker: {opacity: 0.12}}, selected: {marker: {opacity: 1}}};
    if (this.selectedPoints.length) { trace.selectedpoints = this.selectedPoints; }
    var layout = {height: 620, margin: {l: 20, r: 20, t: 10, b: 20}, dragmode: this.dragmode || 'lasso',
      hovermode: 'closest', template: 'plotly_white', showlegend: false, uirevision: 'map',
      xaxis: {showticklabels: false, zeroline: false, showgrid: false},
      yaxis: {showticklabels: false, zeroline: false, showgrid: false}, font: {family: 'Helvetica, Arial, sans-serif'}};
    var config = {responsive: true, displaylogo: false, scrollZoom: true,
      modeBarButtonsToRemove: ['toImage', 'autoScale2d']};
    return Plotly.react(this.plot, [trace], layout, config).then(function (gd) {
      if (!self.bound) { self.bind(gd); }
      self.drawLegend();
      return gd;
    });
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
      legend.appendChild(el('span', 'map-note', spec.label + ': ' + fmt(spec.lo) + ' (dark) to ' + fmt(spec.hi) + ' (yellow)'));
      return;
    }
    spec.categories.forEach(function (label, i) {
      if (!spec.counts[i]) { return; }
      var item = el('span', 'map-key'), swatch = el('i');
      swatch.style.background = spec.colors[i];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(label + ' (' + spec.counts[i].toLocaleString('en-US') + ')'));
      legend.appendChild(item);
    });
  };
  EmbeddingMap.prototype.hover = function (event) {
    var box = document.getElementById('thumbnail-box'), point = event.points[0];
    if (!box || !point || !this.names) { return; }
    var row = this.order[point.pointIndex], name = this.names[row], spec = this.payload.columns[this.columnIndex];
    var thumbnails = (typeof EMBEDSCOPE_THUMBNAILS === 'undefined') ? {} : EMBEDSCOPE_THUMBNAILS;
    var value = this.column(this.columnIndex)[point.pointIndex];
    var shown = spec.kind === 'category' ? spec.categories[Math.floor(value)] : fmt(value);
    var img = box.querySelector('img');
    img.style.display = thumbnails[name] ? 'block' : 'none';
    if (thumbnails[name]) { img.src = thumbnails[name]; }
    box.querySelector('span').textContent = name + ' · ' + spec.label + ': ' + shown;
    var x = event.event ? event.event.clientX : 0, y = event.event ? event.event.clientY : 0;
    box.style.left = Math.min(x + 18, window.innerWidth - 250) + 'px';
    box.style.top = Math.min(y + 18, window.innerHeight - 270) + 'px';
    box.style.display = 'block';
  };
  EmbeddingMap.prototype.select = function (points) {
    var rows = new Uint32Array(points.length);
    for (var i = 0; i < points.length; i++) { rows[i] = this.order[points[i].pointIndex]; }
    rows.sort();
    this.selectedRows = rows;
    this.selectedPoints = points.map(function (p) { return p.pointIndex; });
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
  EmbeddingMap.prototype.selectionCsv = function () {  // every sample in input order, 1 where lasso-selected
    var flags = new Uint8Array(this.n), lines = ['filenames,selected'];
    this.selectedRows.forEach(function (row) { flags[row] = 1; });
    for (var i = 0; i < this.n; i++) { lines.push(csvField(this.names[i]) + ',' + flags[i]); }
    return lines.join('\n') + '\n';
  };
  EmbeddingMap.prototype.download = function (link, text, type) {
    if (link.href) { URL.revokeObjectURL(link.href); }
    link.href = URL.createObjectURL(new Blob([text], {type: type}));
  };
  EmbeddingMap.prototype.showSelection = function () {
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
    if (rows.length) {
      self.download(links[0], self.filenameList(), 'text/plain');
      self.download(links[1], self.selectionCsv(), 'text/csv');
    }
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
      self.projectionIndex = Number(projectionMenu.value); self.selectedRows = new Uint32Array(0); self.selectedPoints = [];
      Plotly.purge(self.plot); self.bound = false; self.draw().then(function () { self.showSelection(); });
    });
    colorMenu.addEventListener('change', function () { self.columnIndex = Number(colorMenu.value); self.draw(); });
    var drawn = this.draw();
    return Promise.all([drawn, names(this.payload.names)]).then(function (done) {
      self.names = done[1];
      self.showSelection();
      self.ready = true;
      self.root.setAttribute('data-ready', String(Math.round(performance.now())));
      return self;
    });
  };

  window.embedscopeStartMap = function (rootId, payload) {
    var map = new EmbeddingMap(document.getElementById(rootId), payload);
    maps.push(map);
    return map.start();
  };
})();
"""
