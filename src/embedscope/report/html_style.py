"""The stylesheet and the small scripts of ``report.html`` (inlined: the page works offline)."""

from __future__ import annotations

CSS = """
:root { --ink: #1f2a30; --muted: #546e7a; --line: #cfd8dc; --stripe: #f2f4f5; --head: #263238; }
* { box-sizing: border-box; }
body { margin: 0; font-family: Helvetica, Arial, sans-serif; color: var(--ink); background: #fafbfc; line-height: 1.45; }
header.cover { background: #fff; border-bottom: 1px solid var(--line); padding: 28px 0 18px; }
.wrap { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 0 0 8px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
.subtitle { color: var(--muted); font-size: 15px; margin: 0; }
.small, .note { color: var(--muted); font-size: 12.5px; }
.headline { font-size: 20px; margin: 16px 0 6px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr)); gap: 12px; margin: 14px 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 12.5px; }
.card .value { font-size: 20px; font-weight: bold; }
.card .cmp { font-size: 13px; }
.verdict-better { color: #2e7d32; } .verdict-worse { color: #c62828; } .verdict-noise { color: var(--muted); }
nav.toc { position: sticky; top: 0; z-index: 5; background: #fff; border-bottom: 1px solid var(--line); }
nav.toc .wrap { display: flex; flex-wrap: wrap; gap: 4px 16px; padding-top: 8px; padding-bottom: 8px; font-size: 13px; }
/* a heading reached by a link, or the map scrolled to the top, stops below the sticky bar (its height is set by
   NAV_HEIGHT_SCRIPT; 88px is the two-line bar at 1400px before the script runs) */
section[id], h2, h3, .map { scroll-margin-top: calc(var(--nav-height, 88px) + 12px); }
nav.toc a { color: var(--head); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 18px 0; padding: 18px 22px; }
p { margin: 6px 0 10px; max-width: 900px; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13px; table-layout: auto; max-width: 100%; }
th { background: var(--head); color: #fff; text-align: left; padding: 5px 8px; font-weight: bold; }
td { padding: 4px 8px; border: 1px solid var(--line); overflow-wrap: anywhere; vertical-align: middle; }
td:first-child { overflow-wrap: break-word; }  /* row names (model_precision) keep their words; values may break */
tr:nth-child(even) td { background: var(--stripe); }
th.num, td.num { text-align: right; white-space: nowrap; }
.figure { width: 100%; margin: 6px 0 10px; }
.gallery { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 12px; }
.gallery figure { margin: 0; width: 120px; font-size: 11px; color: var(--muted); overflow-wrap: anywhere; }
.gallery img { max-width: 120px; max-height: 120px; border: 1px solid var(--line); border-radius: 4px; display: block; }
img.static { max-width: 100%; border: 1px solid var(--line); border-radius: 4px; }
img.inline-thumb { height: 40px; vertical-align: middle; margin-right: 6px; border-radius: 3px; }
#thumbnail-box { position: fixed; display: none; z-index: 20; background: #fff; border: 1px solid var(--line);
  border-radius: 6px; padding: 6px; box-shadow: 0 4px 14px rgba(0,0,0,.18); pointer-events: none; max-width: 240px; }
#thumbnail-box img { display: block; max-width: 224px; max-height: 224px; }
#thumbnail-box span { display: block; font-size: 11px; color: var(--muted); overflow-wrap: anywhere; margin-top: 4px; }
.map-controls { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: center; margin: 8px 0 4px; font-size: 13.5px; }
.map-controls select { font-size: 13.5px; margin-left: 4px; padding: 2px 4px; }
.map-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12.5px; margin: 6px 0; min-height: 18px; }
.map-key i { display: inline-block; width: 11px; height: 11px; border-radius: 50%; margin-right: 5px; vertical-align: -1px; }
.map-plot { width: 100%; }
.map-selection { margin-top: 10px; }
.map-count { font-weight: bold; }
a.map-download { display: none; margin: 0 12px 8px 0; padding: 5px 10px; border: 1px solid var(--head); border-radius: 5px;
  color: var(--head); text-decoration: none; font-size: 13px; }
a.map-download:hover { background: var(--stripe); }
.map-list { max-height: 460px; overflow-y: auto; }
footer { color: var(--muted); font-size: 12px; padding: 18px 0 40px; }
"""

NAV_HEIGHT_SCRIPT = """
function embedscopeNavHeight() {
  var nav = document.querySelector('nav.toc');
  if (nav) { document.documentElement.style.setProperty('--nav-height', nav.offsetHeight + 'px'); }
}
document.addEventListener('DOMContentLoaded', embedscopeNavHeight);
window.addEventListener('resize', embedscopeNavHeight);
"""

THUMBNAIL_SCRIPT = """
function embedscopeAttachThumbnails(plot) {
  plot.on('plotly_hover', function (event) {
    var box = document.getElementById('thumbnail-box');
    var thumbnails = (typeof EMBEDSCOPE_THUMBNAILS === 'undefined') ? {} : EMBEDSCOPE_THUMBNAILS;
    var point = event.points[0], name = point.customdata, uri = thumbnails[name];
    if (!box) { return; }
    if (!uri) { box.style.display = 'none'; return; }
    box.querySelector('img').src = uri;
    box.querySelector('span').textContent = name;
    var x = event.event ? event.event.clientX : 0, y = event.event ? event.event.clientY : 0;
    box.style.left = Math.min(x + 18, window.innerWidth - 250) + 'px';
    box.style.top = Math.min(y + 18, window.innerHeight - 270) + 'px';
    box.style.display = 'block';
  });
  plot.on('plotly_unhover', function () {
    var box = document.getElementById('thumbnail-box');
    if (box) { box.style.display = 'none'; }
  });
}
"""
