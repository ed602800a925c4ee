"""The CSV export of the map of ``report.html`` (inlined after :data:`html_map_script.MAP_SCRIPT`).

Built only when the user clicks the CSV link (formatting 16 MiB of floats takes seconds), from the payload's
``export`` part (:func:`embedscope.report.map_export.export_spec`): the map's input rows in input order, either
``filenames,embedding_0..embedding_{D-1},selected,labels`` (a Lightly CSV with a ``selected`` column; every
float32 written in the shortest decimal that reads back as the same float32) or ``filenames,labels,selected``.
"""

from __future__ import annotations

EXPORT_SCRIPT = r"""
(function () {
  'use strict';
  var decode = window.embedscopeDecode;

  function csvField(s) { return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; }
  // 9 significant digits always read back as the same float32; from 6 on, the first that does is the shortest
  // (a float32 is within 6e-8 of its shortest decimal, so rounding to 6 digits cannot move away from it).
  function float32Text(x) {
    for (var p = 6; p < 9; p++) {
      var s = x.toPrecision(p);
      if (Math.fround(Number(s)) === x) { return String(Number(s)); }
    }
    return String(Number(x.toPrecision(9)));
  }
  function vectorsOf(map) {  // (rows x dim) Float32Array, decoded from its own script element on first use
    if (!map.vectors) {
      var holder = document.getElementById(map.root.id + '-embeddings');
      map.vectors = new Float32Array(decode.bytes(holder.textContent.trim()).buffer);
    }
    return map.vectors;
  }

  window.embedscopeSelectionCsv = function (map) {
    var spec = map.payload.export, n = spec.rows, dim = spec.dim, names = map.names, chosen = map.chosen, i, j;
    var labels = spec.labels ? decode.typed(spec.labels) : null, vectors = dim ? vectorsOf(map) : null;
    var header = ['filenames'];
    if (dim) {
      for (j = 0; j < dim; j++) { header.push('embedding_' + j); }
      header.push('selected');
      if (labels) { header.push('labels'); }
    } else {
      if (labels) { header.push('labels'); }
      header.push('selected');
    }
    var lines = [header.join(',')];
    for (i = 0; i < n; i++) {
      var row = [csvField(names[i])];
      if (dim) {
        for (j = 0; j < dim; j++) { row.push(float32Text(vectors[i * dim + j])); }
        row.push(chosen[i]);
        if (labels) { row.push(labels[i]); }
      } else {
        if (labels) { row.push(labels[i]); }
        row.push(chosen[i]);
      }
      lines.push(row.join(','));
    }
    return lines.join('\n') + '\n';
  };
})();
"""
