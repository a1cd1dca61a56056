
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
  // Before a popup opens: fold the summary panel, the legend and the layer list (they come back
  // when it closes), then keep the popup clear of whatever controls remain at the top and bottom.
  A.openPopup = function (map, latlng, content) {
    map.closePopup();
    A.fold(map, true);
    var c = map.getContainer(), r = c.getBoundingClientRect(), top = 10, bottom = 10;
    var tops = c.querySelectorAll('.as-title, .leaflet-top .leaflet-control');
    for (var i = 0; i < tops.length; i++) {
      var b = tops[i].getBoundingClientRect();
      if (b.height) { top = Math.max(top, b.bottom - r.top + 8); }
    }
    var bots = c.querySelectorAll('.leaflet-bottom .leaflet-control');
    for (var j = 0; j < bots.length; j++) {
      var q = bots[j].getBoundingClientRect();
      if (q.height) { bottom = Math.max(bottom, r.bottom - q.top + 8); }
    }
    var size = map.getSize();
    var p = L.popup({maxWidth: Math.min(340, size.x - 40), minWidth: Math.min(200, size.x - 60),
                     maxHeight: Math.max(120, size.y - top - bottom - 40), autoPanPaddingTopLeft: L.point(10, top),
                     autoPanPaddingBottomRight: L.point(10, bottom), keepInView: true})
      .setLatLng(latlng).setContent(content);
    p.openOn(map);
    return p;
  };
  A.fold = function (map, folding) {
    var st = map._asFold = map._asFold || {};
    var c = map.getContainer();
    if (folding) {
      if (!st.folded) {
        st.folded = true;
        st.panel = !!(map._asPanel && map._asPanel.isOpen());
        st.legend = !!(map._asLegend && map._asLegend.isOpen());
        var lc = c.querySelector('.leaflet-control-layers-expanded');
        st.layers = !!lc;
      }
      if (map._asPanel) { map._asPanel.setOpen(false); }
      if (map._asLegend) { map._asLegend.setOpen(false); }
      var ex = c.querySelector('.leaflet-control-layers-expanded');
      if (ex) { L.DomUtil.removeClass(ex, 'leaflet-control-layers-expanded'); }
    } else if (st.folded) {
      st.folded = false;
      if (map._asPanel && st.panel) { map._asPanel.setOpen(true); }
      if (map._asLegend && st.legend) { map._asLegend.setOpen(true); }
      var lc2 = c.querySelector('.leaflet-control-layers');
      if (lc2 && st.layers) { L.DomUtil.addClass(lc2, 'leaflet-control-layers-expanded'); }
    }
  };
  function bindRows(group, d, map, rowOf) {
    group.on('click', function (e) {
      var row = rowOf(e.layer);
      if (!row) { return; }
      var why = d.whyIndex !== undefined ? row[d.whyIndex] : null;
      A.openPopup(map, e.latlng, A.popup(row[d.titleIndex], d.cols, row, d.valueOffset, why, d.whyHeading));
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
  // Sites: rows [lat, lon, symbol ('new'|'kept'|'existing'), colours[], title, sections]
  // with sections [[heading, why, [[label, value], ...]], ...]; one symbol per place.
  var NS = 'http://www.w3.org/2000/svg';
  function svgEl(tag, attrs) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } }
    return e;
  }
  function safeColour(c) { return /^#[0-9a-fA-F]{3,8}$/.test(c) ? c : '#555'; }
  A.symbol = function (symbol, colours, size) {
    var s = svgEl('svg', {width: size, height: size, viewBox: '0 0 24 24', 'class': 'as-symbol'});
    var fill = safeColour(colours[0]);
    if (colours.length > 1) {
      s.appendChild(svgEl('circle', {cx: 12, cy: 12, r: 11, fill: '#fff', stroke: safeColour(colours[1]),
                                     'stroke-width': 2.5}));
    }
    if (symbol === 'new' || symbol === 'star') {
      s.appendChild(svgEl('polygon', {points: '12,1.5 14.9,8.6 22.5,9.2 16.7,14.1 18.5,21.6 12,17.6 5.5,21.6 ' +
        '7.3,14.1 1.5,9.2 9.1,8.6', fill: fill, stroke: '#000', 'stroke-width': 1.3, 'stroke-linejoin': 'round'}));
    } else if (symbol === 'kept' || symbol === 'square') {
      s.appendChild(svgEl('rect', {x: 5, y: 5, width: 14, height: 14, fill: fill, stroke: '#000', 'stroke-width': 2}));
    } else if (symbol === 'ring') {
      s.appendChild(svgEl('circle', {cx: 12, cy: 12, r: 9, fill: '#fff', stroke: '#000', 'stroke-width': 2.5}));
    } else {
      s.appendChild(svgEl('rect', {x: 7, y: 7, width: 10, height: 10, fill: fill, stroke: '#333', 'stroke-width': 1.2}));
    }
    return s;
  };
  A.sitePopup = function (row, whyHeading) {
    var d = el('div', 'as-popup');
    if (row[4]) { d.appendChild(el('div', 'as-popup-title', row[4])); }
    var secs = row[5];
    for (var i = 0; i < secs.length; i++) {
      var sec = el('div', 'as-popup-section');
      sec.appendChild(el('div', 'as-popup-sub', secs[i][0]));
      if (secs[i][1]) {
        var w = el('div', 'as-popup-why');
        if (whyHeading) { w.appendChild(el('span', 'as-popup-why-head', whyHeading + ' ')); }
        w.appendChild(el('span', null, secs[i][1]));
        sec.appendChild(w);
      }
      var t = el('table', 'as-popup-table');
      for (var j = 0; j < secs[i][2].length; j++) {
        var tr = el('tr');
        tr.appendChild(el('th', null, secs[i][2][j][0]));
        tr.appendChild(el('td', null, secs[i][2][j][1]));
        t.appendChild(tr);
      }
      sec.appendChild(t);
      d.appendChild(sec);
    }
    return d;
  };
  A.sites = function (d, map) {
    var group = L.featureGroup();
    for (var i = 0; i < d.rows.length; i++) {
      var r = d.rows[i];
      var size = r[2] === 'new' ? 30 : (r[2] === 'kept' ? 22 : 14);
      var holder = el('div', 'as-site as-site-' + r[2]);
      holder.appendChild(A.symbol(r[2], r[3], size));
      var m = L.marker([r[0], r[1]], {icon: L.divIcon({html: holder, className: 'as-site-icon',
        iconSize: L.point(size, size)}), zIndexOffset: r[2] === 'new' ? 1000 : (r[2] === 'kept' ? 500 : 0),
        keyboard: true, title: ''});
      m._asRow = r;
      group.addLayer(m);
    }
    group.on('click', function (e) {
      var row = e.layer && e.layer._asRow;
      if (row) { A.openPopup(map, e.layer.getLatLng(), A.sitePopup(row, d.whyHeading)); }
    });
    if (d.tooltip) {
      group.eachLayer(function (m) {
        if (m._asRow[4]) { m.bindTooltip(el('span', null, m._asRow[4]), {direction: 'top', offset: L.point(0, -12)}); }
      });
    }
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
  // Title block with the summary panel, legend and data attribution (all text via textContent).
  function foldable(head, body, open) {
    var state = {open: open};
    state.setOpen = function (v) {
      state.open = v; body.style.display = v ? '' : 'none'; head.setAttribute('aria-expanded', v ? 'true' : 'false');
    };
    state.isOpen = function () { return state.open; };
    head.setAttribute('role', 'button');
    head.setAttribute('tabindex', '0');
    L.DomEvent.on(head, 'click', function () { state.setOpen(!state.open); });
    L.DomEvent.on(head, 'keydown', function (ev) {
      if (ev.key === 'Enter' || ev.key === ' ') { L.DomEvent.preventDefault(ev); state.setOpen(!state.open); }
    });
    state.setOpen(open);
    return state;
  }
  function buildPanel(cfg) {
    var body = el('div', 'as-panel');
    for (var i = 0; i < cfg.panel.length; i++) {
      var t = cfg.panel[i], sec = el('section', 'as-panel-theme');
      sec.setAttribute('data-theme', t.theme);
      sec.appendChild(el('div', 'as-panel-head', t.title));
      if (t.sentence) { sec.appendChild(el('p', 'as-panel-sentence', t.sentence)); }
      if (t.figures && t.figures.length) {
        var tab = el('table', 'as-panel-figures');
        for (var j = 0; j < t.figures.length; j++) {
          var tr = el('tr');
          tr.appendChild(el('th', null, t.figures[j][0]));
          tr.appendChild(el('td', null, t.figures[j][1]));
          tab.appendChild(tr);
        }
        sec.appendChild(tab);
      }
      if (t.headline && t.headline.length) {
        sec.appendChild(el('div', 'as-panel-balance-head', cfg.balanceLabel));
        var ul = el('ul', 'as-panel-balance');
        for (var k = 0; k < t.headline.length; k++) { ul.appendChild(el('li', null, t.headline[k])); }
        sec.appendChild(ul);
      }
      body.appendChild(sec);
    }
    return body;
  }
  A.decorate = function (map, cfg) {
    A.maps.push(map);
    var wide = map.getSize().x >= 760;
    if (cfg.lang) { document.documentElement.lang = cfg.lang; }
    var box = el('div', 'as-title' + (wide ? '' : ' as-narrow'));
    var head = el('div', 'as-title-head');
    head.appendChild(el('div', 'as-title-main', cfg.title));
    if (cfg.synthetic) { head.appendChild(el('div', 'as-synthetic', wide ? cfg.synthetic : cfg.syntheticShort)); }
    box.appendChild(head);
    var more = el('div', 'as-title-more');
    if (cfg.note) { more.appendChild(el('div', 'as-note', cfg.note)); }
    more.appendChild(el('div', 'as-made', cfg.made));
    if (cfg.panel && cfg.panel.length) {
      var toggle = el('div', 'as-panel-toggle', cfg.panelLabel);
      more.appendChild(toggle);
      more.appendChild(buildPanel(cfg));
    }
    box.appendChild(more);
    map.getContainer().appendChild(box);
    // the whole title block folds to its first line on phones; the panel is open on wide screens
    map._asPanel = foldable(head, more, wide);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    if (cfg.legend && cfg.legend.length) {
      var Legend = L.Control.extend({
        options: {position: 'bottomleft'},
        onAdd: function () {
          var c = el('div', 'as-legend leaflet-control');
          var lhead = el('div', 'as-legend-title', cfg.legendTitle);
          var body = el('div', 'as-legend-body');
          c.appendChild(lhead);
          c.appendChild(body);
          map._asLegend = foldable(lhead, body, wide);
          for (var i = 0; i < cfg.legend.length; i++) {
            var sec = cfg.legend[i], box2 = el('div', 'as-legend-section');
            if (sec.key) { box2.setAttribute('data-key', sec.key); }
            box2.appendChild(el('div', 'as-legend-head', sec.title));
            for (var j = 0; j < sec.items.length; j++) {
              var it = sec.items[j], row = el('div', 'as-legend-row');
              if (it.shape === 'star' || it.shape === 'square' || it.shape === 'ring') {
                row.appendChild(A.symbol(it.shape, [it.fill || '#555'], 16));
              } else {
                var sw = el('span', 'as-swatch as-swatch-' + (it.shape || 'box'));
                sw.style.background = it.fill || 'transparent';
                sw.style.borderColor = it.color || it.fill || '#333';
                if (it.size) { sw.style.width = sw.style.height = it.size + 'px'; }
                row.appendChild(sw);
              }
              row.appendChild(el('span', null, it.label));
              box2.appendChild(row);
            }
            body.appendChild(box2);
          }
          L.DomEvent.disableClickPropagation(c);
          L.DomEvent.disableScrollPropagation(c);
          return c;
        }
      });
      new Legend().addTo(map);
      // a legend section shows while its layer is on the map
      var sync = function () {
        var secs = map.getContainer().querySelectorAll('.as-legend-section[data-key]');
        for (var i = 0; i < secs.length; i++) {
          var key = secs[i].getAttribute('data-key'), on = false;
          for (var j = 0; j < A.layers.length; j++) {
            if (A.layers[j].key === key && A.layers[j].map === map && map.hasLayer(A.layers[j].layer)) { on = true; }
          }
          secs[i].style.display = on ? '' : 'none';
        }
      };
      // one check per burst: adding a layer of 10 000 markers fires 10 000 layeradd events
      var pending = false;
      map.on('overlayadd overlayremove layeradd layerremove', function () {
        if (!pending) { pending = true; setTimeout(function () { pending = false; sync(); }, 30); }
      });
      sync();
    }
    map.on('popupclose', function () { setTimeout(function () { if (!map._popup || !map._popup.isOpen()) { A.fold(map, false); } }, 0); });
    if (cfg.attribution && map.attributionControl) {
      // Leaflet inserts attribution as HTML: the text is escaped in Python before it gets here.
      map.attributionControl.addAttribution(cfg.attribution);
    }
    L.control.scale({imperial: false, metric: true, position: 'bottomleft'}).addTo(map);
    if (cfg.bounds) { map.fitBounds(cfg.bounds, {padding: wide ? [10, 10] : [4, 4]}); }
    window.arealsirkReady = true;
  };
})();
