"""The small JavaScript/CSS runtime of arealsirk web maps (our own code, MIT like the package).

Data arrive as JSON (escaped for ``<script>`` by ``webmap._js_json``); every text
from the data reaches the page through ``textContent`` -- never ``innerHTML`` -- so
a name such as ``<img src=x onerror=alert(1)>`` is shown as text.  Popups are built
on click by one handler per layer (cheap for 10 000 points), points are clustered
with Leaflet.markercluster when many, and all vector features are drawn on one
canvas.
"""

RUNTIME_JS = r"""
(function () {
  'use strict';
  var A = window.arealsirkMap = window.arealsirkMap || {};
  A.layers = A.layers || [];   // [{key, name, layer, map}] for scripts and tests
  A.maps = A.maps || [];
  function register(d, group, map) { A.layers.push({key: d.key, layer: group, map: map, data: d}); return group; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  A.el = el;
  // Popup: a title and a table of (label, value) rows; empty values are left out.
  A.popup = function (title, cols, vals, offset, why, whyHeading) {
    var d = el('div', 'as-popup');
    if (title !== null && title !== undefined && title !== '') { d.appendChild(el('div', 'as-popup-title', title)); }
    if (why) {
      var w = el('div', 'as-popup-why');
      if (whyHeading) { w.appendChild(el('span', 'as-popup-why-head', whyHeading + ' ')); }
      w.appendChild(el('span', null, why));
      d.appendChild(w);
    }
    var t = el('table', 'as-popup-table');
    for (var i = 0; i < cols.length; i++) {
      var v = vals[i + offset];
      if (v === null || v === undefined || v === '') { continue; }
      var tr = el('tr');
      tr.appendChild(el('th', null, cols[i]));
      tr.appendChild(el('td', null, v));
      t.appendChild(tr);
    }
    d.appendChild(t);
    return d;
  };
  function bindRows(group, d, map, rowOf) {
    group.on('click', function (e) {
      var row = rowOf(e.layer);
      if (!row) { return; }
      var why = d.whyIndex !== undefined ? row[d.whyIndex] : null;
      L.popup({maxWidth: 340, maxHeight: Math.max(200, map.getSize().y - 160),
               autoPanPaddingTopLeft: L.point(20, 110), autoPanPaddingBottomRight: L.point(20, 20)})
        .setLatLng(e.latlng)
        .setContent(A.popup(row[d.titleIndex], d.cols, row, d.valueOffset, why, d.whyHeading)).openOn(map);
    });
    if (d.tooltip) {
      group.on('mouseover', function (e) {
        var row = rowOf(e.layer);
        if (!row || row[d.titleIndex] === '' || !e.layer.bindTooltip) { return; }
        if (!e.layer.getTooltip()) {
          e.layer.bindTooltip(el('span', null, row[d.titleIndex]), {sticky: true});
          e.layer.openTooltip(e.latlng);
        }
      });
    }
  }
  // Points: rows [lat, lon, radius, styleIndex, title, values...]
  A.points = function (d, map) {
    var renderer = A.renderer(map);
    var group = (d.cluster && L.markerClusterGroup) ?
      L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false,
                            maxClusterRadius: d.clusterRadius || 70, disableClusteringAtZoom: d.clusterOffZoom || 15,
                            iconCreateFunction: A.clusterIcon(d.styles[d.rows.length ? d.rows[0][3] : 0])}) :
      L.featureGroup();
    var markers = new Array(d.rows.length);
    for (var i = 0; i < d.rows.length; i++) {
      var r = d.rows[i], s = d.styles[r[3]];
      var m = L.circleMarker([r[0], r[1]], {radius: r[2], color: s.color, weight: s.weight || 1,
        fillColor: s.fill, fillOpacity: s.fillOpacity || 0.85, opacity: 1, renderer: renderer});
      m._asRow = r;
      markers[i] = m;
    }
    if (group.addLayers) { group.addLayers(markers); } else { for (var j = 0; j < markers.length; j++) { group.addLayer(markers[j]); } }
    bindRows(group, d, map, function (layer) { return layer && layer._asRow; });
    return register(d, group, map);
  };
  // Lines and polygons: rows [geometry, styleIndex, title, values...]
  A.shapes = function (d, map) {
    var renderer = A.renderer(map);
    var group = L.geoJSON(null, {
      renderer: renderer,
      style: function (f) { return d.styles[f.properties.s]; },
      pointToLayer: function (f, ll) { var s = d.styles[f.properties.s]; return L.circleMarker(ll, {radius: s.radius || 6, color: s.color, weight: s.weight || 1, fillColor: s.fillColor || s.color, fillOpacity: s.fillOpacity || 0.8, renderer: renderer}); }
    });
    for (var i = 0; i < d.rows.length; i++) {
      group.addData({type: 'Feature', geometry: d.rows[i][0], properties: {s: d.rows[i][1], i: i}});
    }
    bindRows(group, d, map, function (layer) { return layer && layer.feature && d.rows[layer.feature.properties.i]; });
    return register(d, group, map);
  };
  // Cluster icon in the layer's colour with the count (numbers and our own colours only).
  A.clusterIcon = function (style) {
    var colour = (style && /^#[0-9a-fA-F]{3,8}$/.test(style.fill)) ? style.fill : '#555';
    return function (cluster) {
      var n = cluster.getChildCount(), s = n < 10 ? 24 : (n < 100 ? 30 : 36);
      var div = el('div', 'as-cluster');
      div.style.background = colour;
      div.appendChild(el('span', null, n));
      return L.divIcon({html: div, className: 'as-cluster-icon', iconSize: L.point(s, s)});
    };
  };
  A.blank = function () { return L.layerGroup(); };
  A.renderer = function (map) {
    if (!map._asCanvas) { map._asCanvas = L.canvas({padding: 0.3, tolerance: 4}); }
    return map._asCanvas;
  };
  // Title block, legend and data attribution (all text via textContent).
  A.decorate = function (map, cfg) {
    A.maps.push(map);
    if (cfg.lang) { document.documentElement.lang = cfg.lang; }
    var box = el('div', 'as-title');
    box.appendChild(el('div', 'as-title-main', cfg.title));
    if (cfg.synthetic) { box.appendChild(el('div', 'as-synthetic', cfg.synthetic)); }
    if (cfg.note) { box.appendChild(el('div', 'as-note', cfg.note)); }
    box.appendChild(el('div', 'as-made', cfg.made));
    map.getContainer().appendChild(box);
    L.DomEvent.disableClickPropagation(box);
    if (cfg.legend && cfg.legend.length) {
      var Legend = L.Control.extend({
        options: {position: 'bottomleft'},
        onAdd: function () {
          var c = el('div', 'as-legend leaflet-control');
          var head = el('div', 'as-legend-title', cfg.legendTitle);
          var body = el('div', 'as-legend-body');
          var open = map.getSize().x >= 760;  // folded on phones and in comparison halves
          function show() { body.style.display = open ? '' : 'none'; head.setAttribute('data-open', open ? '1' : '0'); }
          head.setAttribute('role', 'button');
          head.setAttribute('tabindex', '0');
          L.DomEvent.on(head, 'click', function () { open = !open; show(); });
          c.appendChild(head);
          c.appendChild(body);
          show();
          for (var i = 0; i < cfg.legend.length; i++) {
            var sec = cfg.legend[i];
            body.appendChild(el('div', 'as-legend-head', sec.title));
            for (var j = 0; j < sec.items.length; j++) {
              var it = sec.items[j], row = el('div', 'as-legend-row');
              var sw = el('span', 'as-swatch as-swatch-' + (it.shape || 'box'));
              sw.style.background = it.fill || 'transparent';
              sw.style.borderColor = it.color || it.fill || '#333';
              if (it.size) { sw.style.width = sw.style.height = it.size + 'px'; }
              row.appendChild(sw);
              row.appendChild(el('span', null, it.label));
              body.appendChild(row);
            }
          }
          L.DomEvent.disableClickPropagation(c);
          L.DomEvent.disableScrollPropagation(c);
          return c;
        }
      });
      new Legend().addTo(map);
    }
    if (cfg.attribution && map.attributionControl) {
      // Leaflet inserts attribution as HTML: the text is escaped in Python before it gets here.
      map.attributionControl.addAttribution(cfg.attribution);
    }
    L.control.scale({imperial: false, metric: true, position: 'bottomleft'}).addTo(map);
    if (cfg.bounds) { map.fitBounds(cfg.bounds, {padding: [10, 10]}); }
    window.arealsirkReady = true;
  };
})();
"""

RUNTIME_CSS = """
.leaflet-container { background: #eef0ec; font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; }
.as-title { position: absolute; top: 10px; left: 56px; z-index: 1000;
  background: rgba(255,255,255,0.92); padding: 6px 14px; border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,0.4);
  text-align: left; max-width: calc(100% - 380px); min-width: 160px; }
.as-title-main { font-size: 18px; font-weight: bold; color: #222; }
.as-synthetic { display: inline-block; margin-top: 3px; padding: 1px 8px; background: #b30000; color: #fff;
  font-size: 12px; font-weight: bold; border-radius: 3px; text-transform: uppercase; letter-spacing: 0.5px; }
.as-note, .as-made { font-size: 11px; color: #555; }
.as-legend { background: rgba(255,255,255,0.92); padding: 6px 10px; border-radius: 5px; font-size: 12px;
  line-height: 16px; box-shadow: 0 1px 5px rgba(0,0,0,0.4); max-height: 45vh; overflow-y: auto; }
.as-legend-title { font-weight: bold; font-size: 13px; margin-bottom: 2px; cursor: pointer; user-select: none; }
.as-legend-title[data-open="1"]::after { content: " ▾"; }
.as-legend-title[data-open="0"]::after { content: " ▸"; }
.as-legend-head { font-weight: bold; margin-top: 5px; }
.as-legend-row { display: flex; align-items: center; gap: 6px; }
.as-swatch { display: inline-block; width: 14px; height: 12px; border: 1px solid #333; box-sizing: border-box; }
.as-swatch-circle { border-radius: 50%; }
.as-swatch-line { height: 0; border-width: 2px 0 0 0; border-style: solid; background: none !important; }
.leaflet-control-layers { font-size: 13px; line-height: 1.25; max-height: 60vh; overflow-y: auto; }
.leaflet-control-layers-expanded { padding: 4px 8px 4px 6px; }
.leaflet-control-layers label span { white-space: nowrap; }
.leaflet-control-attribution { font-size: 10px; max-width: 62%; white-space: normal; line-height: 1.3; }
.as-cluster-icon { background: transparent; }
.as-cluster { width: 100%; height: 100%; border-radius: 50%; border: 2px solid rgba(255,255,255,0.9);
  box-shadow: 0 0 3px rgba(0,0,0,0.6); box-sizing: border-box; display: flex; align-items: center;
  justify-content: center; color: #fff; font-size: 11px; font-weight: bold; text-shadow: 0 0 2px #000; opacity: 0.9; }
.as-popup-title { font-weight: bold; font-size: 14px; margin-bottom: 4px; }
.leaflet-popup-content { font-size: 12.5px; line-height: 1.35; margin: 10px 14px; }
.as-popup-why { margin: 2px 0 6px 0; padding: 4px 6px; background: #f3f6f9; border-left: 3px solid #3b528b; }
.as-popup-why-head { font-weight: bold; }
.as-popup-table { border-collapse: collapse; }
.as-popup-table th, .as-popup-table td { padding: 1px 0; }
.as-popup-table th { text-align: left; padding-right: 8px; font-weight: normal; color: #555; vertical-align: top; }
.as-popup-table td { font-weight: bold; }
"""
