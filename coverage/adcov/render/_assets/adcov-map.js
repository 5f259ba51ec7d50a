/* adcov interactive coverage map. Builds every layer and control from the JSON data block
 * written by adcov/render/maps.py. All user-supplied text reaches the page through
 * textContent, never as HTML. */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") { node.textContent = attrs[k]; }
        else if (k === "className") { node.className = attrs[k]; }
        else { node.setAttribute(k, attrs[k]); }
      });
    }
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  // ------------------------------------------------------------------ formatting
  function fmt(x, digits) {
    if (x === null || x === undefined || (typeof x === "number" && isNaN(x))) { return "–"; }
    var s = Number(x).toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});
    // A value that rounds to zero is zero, never "-0.0".
    return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
  }
  function pct(x) { return (x === null || x === undefined) ? "–" : fmt(100 * x, 1) + " %"; }
  // A change in percentage points; under 0.05 pp it is "0.0 pp", unsigned.
  function signedPct(x) {
    if (x === null || x === undefined) { return "–"; }
    var v = 100 * x;
    if (Math.abs(v) < 0.05) { return "0.0 pp"; }
    return (v > 0 ? "+" : "") + fmt(v, 1) + " pp";
  }
  function wrapLon(lon) { var w = ((lon + 180) % 360 + 360) % 360 - 180; return w === -180 && lon > 0 ? 180 : w; }
  // "53.9000° N, 27.5600° E": hemispheres instead of signs, longitudes within +-180.
  function latLonText(lat, lon) {
    var w = wrapLon(lon);
    return fmt(Math.abs(lat), 4) + "° " + (lat < 0 ? "S" : "N") + ", " +
           fmt(Math.abs(w), 4) + "° " + (w < 0 ? "W" : "E");
  }
  function altLabel(a) {
    if (a < 1000) { return fmt(a, a % 1 ? 1 : 0) + " m"; }
    var km = a / 1000;
    return (Math.round(km * 100) / 100).toLocaleString("en-US", {maximumFractionDigits: 2}) + " km";
  }
  function hexToRgba(hex, alpha) {
    var h = hex.replace("#", "");
    return "rgba(" + parseInt(h.slice(0, 2), 16) + "," + parseInt(h.slice(2, 4), 16) + "," +
           parseInt(h.slice(4, 6), 16) + "," + alpha + ")";
  }

  function table(headers, rows) {
    var thead = el("thead", null, [el("tr", null, headers.map(function (h) { return el("th", {text: h}); }))]);
    var tbody = el("tbody", null, rows.map(function (r) {
      return el("tr", null, r.map(function (c) { return el("td", {text: c}); }));
    }));
    return el("table", {className: "adcov-table"}, [thead, tbody]);
  }
  function kv(rows) {
    return el("table", {className: "adcov-kv"}, rows.map(function (r) {
      return el("tr", null, [el("th", {text: r[0]}), el("td", {text: r[1]})]);
    }));
  }

  // ------------------------------------------------------------------ styles
  var FILL = {envelopes: 0.07, depth2: 0.38, depth3: 0.42, gaps: 0.30, dead_zones: 0.45,
              gained: 0.55, lost: 0.55, sectors: 0.07, neighbour: 0.22};

  function styleFor(kind, props, data) {
    var c = data.colors;
    switch (kind) {
      case "envelopes":
        // In a comparison only gained and lost are filled: envelopes are outlines.
        return data.compare ? {color: props.color, weight: 1.6, fill: false, opacity: 0.95}
                            : {color: props.color, weight: 1.6, fillColor: props.color, fillOpacity: FILL.envelopes, opacity: 0.95};
      case "detection": return {color: props.color, weight: 1.6, dashArray: "9 6", fill: false, opacity: 0.95};
      case "union": return {color: c.union, weight: 2.5, fill: false, opacity: 0.9};
      case "depth2": return {stroke: false, fillColor: c.depth2, fillOpacity: FILL.depth2};
      case "depth3": return {stroke: false, fillColor: c.depth3, fillOpacity: FILL.depth3};
      case "gaps": return {color: c.gap, weight: 2, dashArray: "6 4", fillColor: c.gap, fillOpacity: FILL.gaps};
      case "dead_zones": return {color: c.dead_zone, weight: 1.5, fillColor: c.dead_zone, fillOpacity: FILL.dead_zones};
      case "gained": return {color: c.gained, weight: 1, fillColor: c.gained, fillOpacity: FILL.gained};
      case "lost": return {color: c.lost, weight: 1, fillColor: c.lost, fillOpacity: FILL.lost};
      default: return {};
    }
  }

  var CLASS = {envelopes: "adcov-envelope", detection: "adcov-detection", union: "adcov-union",
               depth2: "adcov-depth2", depth3: "adcov-depth3", gaps: "adcov-gap",
               dead_zones: "adcov-dead-zone", gained: "adcov-gained", lost: "adcov-lost"};

  // ------------------------------------------------------------------ envelopes at scale
  // Thousands of envelopes travel as one encoded polyline per altitude (maps.py `_pack`) and
  // are drawn on one canvas: decoded once into Web Mercator world pixels at zoom 0, then each
  // redraw scales and shifts them, skips envelopes out of view and vertices under a pixel
  // apart (where 50 m is under a pixel), and fills and strokes each ring set.
  function decodePacked(p) {
    var n = 0, i;
    for (i = 0; i < p.sizes.length; i++) { n += p.sizes[i]; }
    var xy = new Float64Array(2 * n), str = p.coords, idx = 0, len = str.length, k = 0;
    var lat = 0, lon = 0, even = true, R = Math.PI / 180, MAXLAT = 85.0511287798;
    while (idx < len && k < 2 * n) {
      var b, shift = 0, result = 0;
      do { b = str.charCodeAt(idx++) - 63; result |= (b & 31) << shift; shift += 5; } while (b >= 32);
      var d = (result & 1) ? ~(result >> 1) : (result >> 1);
      if (even) { lat += d; } else {
        lon += d;
        var la = Math.max(-MAXLAT, Math.min(MAXLAT, lat / 1e5));
        xy[k++] = 256 * (lon / 1e5 + 180) / 360;
        xy[k++] = 256 * (0.5 - Math.log(Math.tan(Math.PI / 4 + la * R / 2)) / (2 * Math.PI));
      }
      even = !even;
    }
    // Per envelope: its first ring and its bounds.
    var first = [], boxes = new Float64Array(4 * p.rings.length), r = 0, v = 0;
    for (i = 0; i < p.rings.length; i++) {
      first.push(r);
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (var j = 0; j < p.rings[i]; j++, r++) {
        for (var q = 0; q < p.sizes[r]; q++, v++) {
          var x = xy[2 * v], y = xy[2 * v + 1];
          if (x < x0) { x0 = x; } if (x > x1) { x1 = x; } if (y < y0) { y0 = y; } if (y > y1) { y1 = y; }
        }
      }
      boxes[4 * i] = x0; boxes[4 * i + 1] = y0; boxes[4 * i + 2] = x1; boxes[4 * i + 3] = y1;
    }
    var starts = [0];
    for (i = 0; i < p.sizes.length; i++) { starts.push(starts[i] + p.sizes[i]); }
    return {xy: xy, first: first, starts: starts, boxes: boxes};
  }

  var PackedLayer = L.Layer.extend({
    options: {pane: "overlayPane", padding: 0.25},
    // packed: maps.py's form; colorOf(site index) -> "#rrggbb"; style: weight, fillOpacity,
    // fill, dash, className.
    initialize: function (packed, colorOf, style, options) {
      L.setOptions(this, options);
      this._packed = packed; this._colorOf = colorOf; this._style = style;
    },
    onAdd: function (map) {
      if (!this._canvas) {
        this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-hide " + (this._style.className || ""));
        this._canvas.style.pointerEvents = "none";
      }
      this.getPane().appendChild(this._canvas);
      map.on("moveend resize", this._redraw, this);
      this._redraw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend resize", this._redraw, this);
    },
    count: function () { return this._packed.sites.length; },
    _redraw: function () {
      var map = this._map;
      if (!map) { return; }
      if (!this._geo) { this._geo = decodePacked(this._packed); }
      var g = this._geo, p = this._packed, st = this._style;
      var size = map.getSize(), pad = size.multiplyBy(this.options.padding).round();
      var W = size.x + 2 * pad.x, H = size.y + 2 * pad.y, dpr = window.devicePixelRatio || 1;
      var c = this._canvas, topLeft = map.containerPointToLayerPoint([-pad.x, -pad.y]).round();
      c.width = Math.round(W * dpr); c.height = Math.round(H * dpr);
      c.style.width = W + "px"; c.style.height = H + "px";
      L.DomUtil.setPosition(c, topLeft);
      var ctx = c.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, W, H);
      var scale = Math.pow(2, map.getZoom()), origin = map.getPixelOrigin();
      var ox = origin.x + topLeft.x, oy = origin.y + topLeft.y;
      ctx.lineWidth = st.weight || 1.6;
      if (st.dash) { ctx.setLineDash(st.dash); }
      // Vertices closer than STEP pixels to the last one drawn are skipped: the shape moves by
      // under STEP pixels, which is under the rings' 50 m wherever 50 m spans STEP pixels.
      var STEP = 2, drawn = 0, b = g.boxes;
      for (var i = 0; i < p.sites.length; i++) {
        if (b[4 * i + 2] * scale - ox < -2 || b[4 * i] * scale - ox > W + 2 ||
            b[4 * i + 3] * scale - oy < -2 || b[4 * i + 1] * scale - oy > H + 2) { continue; }
        var color = this._colorOf(p.sites[i]);
        var path = new Path2D();
        for (var r = g.first[i]; r < g.first[i] + p.rings[i]; r++) {
          var lx = 0, ly = 0, last = g.starts[r + 1] - 1;
          for (var v = g.starts[r]; v <= last; v++) {
            var x = g.xy[2 * v] * scale - ox, y = g.xy[2 * v + 1] * scale - oy;
            if (v === g.starts[r]) { path.moveTo(x, y); lx = x; ly = y; }
            else if (Math.abs(x - lx) + Math.abs(y - ly) >= STEP || v === last) { path.lineTo(x, y); lx = x; ly = y; }
          }
          path.closePath();
        }
        if (st.fill !== false) { ctx.globalAlpha = st.fillOpacity; ctx.fillStyle = color; ctx.fill(path, "evenodd"); }
        ctx.globalAlpha = st.opacity || 0.95; ctx.strokeStyle = color; ctx.stroke(path);
        drawn++;
      }
      this.drawn = drawn;
    }
  });

  function inFrame() { try { return window.self !== window.top; } catch (e) { return true; } }

  // The packed form writes what is the same at every altitude once (maps.py `_site_info`):
  // rebuild each altitude's site records from it.
  var SITE_VALUES = ["limited_by", "outer_km", "inner_km", "horizon_km", "empty",
                     "terrain_masked_fraction", "outside_dem_fraction"];
  function expandSites(data) {
    if (!data.site_info) { return; }
    data.altitudes.forEach(function (alt) {
      var v = alt.site_values;
      alt.sites = data.site_info.map(function (info, i) {
        var o = {};
        Object.keys(info).forEach(function (k) { o[k] = info[k]; });
        o.sources = data.system_sources[info.system] || [];
        SITE_VALUES.forEach(function (k) { o[k] = v[k] ? v[k][i] : null; });
        return o;
      });
    });
  }

  window.adcovMap = function (map, data) {
    var meta = data.meta, colors = data.colors;
    expandSites(data);
    // At scale (maps.py PACK_ABOVE): envelopes on a canvas, site marks clustered.
    var packed = !!meta.packed;
    // Fit views in quarter zoom steps: whole steps waste up to half the window.
    map.options.zoomSnap = 0.25;
    var compact = window.innerWidth < 800 || inFrame();
    var state = {index: 0, show: {}};
    var kinds = ["envelopes"];
    if (data.detection) { kinds.push("detection"); }
    kinds.push("union", "depth2", "depth3", "gaps", "dead_zones");
    if (data.compare) { kinds.push("gained", "lost"); }
    kinds.forEach(function (k) { state.show[k] = !(data.compare && (k === "depth2" || k === "depth3")); });
    state.show.sectors = true;
    state.show.sites = true;
    var hasTiles = false;
    map.eachLayer(function (l) { if (l instanceof L.TileLayer) { hasTiles = true; } });
    state.show.places = !hasTiles;

    ["countries", "sectors", "depth", "cover", "envelopes", "detection", "gaps", "compare",
     "borders", "places", "sites"].forEach(function (p, i) {
      map.createPane("adcov-" + p).style.zIndex = 390 + i;
    });
    // In a comparison the envelopes are outlines over the gained and lost fills.
    if (data.compare) { map.getPane("adcov-envelopes").style.zIndex = 397; map.getPane("adcov-compare").style.zIndex = 394; }

    function geo(fc, kind, pane) {
      return L.geoJSON(fc, {
        pane: pane,
        style: function (f) { var s = styleFor(kind, f.properties, data); s.className = CLASS[kind]; return s; },
        onEachFeature: function (f, layer) {
          var p = f.properties || {};
          var tip = null;
          if (kind === "envelopes" || kind === "detection") {
            tip = (kind === "detection" ? "Detection: " : "") + p.site + " · " + p.system + " · " +
                  fmt(p.outer_km, 1) + " km (" + p.limited_by + ")";
          } else if (kind === "gaps") { tip = "Gap in " + p.zone + ": " + fmt(p.area_km2, 0) + " km²"; }
          else if (kind === "dead_zones") { tip = "Dead zone (inside a site's minimum range) in " + p.zone + ": " + fmt(p.area_km2, 0) + " km²"; }
          else if (kind === "gained" || kind === "lost") { tip = LABELS[kind] + ": " + fmt(p.area_km2, 0) + " km²"; }
          if (tip !== null) { layer.bindTooltip(el("span", {text: tip}), {sticky: true}); }
        }
      });
    }
    function split(fc, dead) {
      return {type: "FeatureCollection", features: fc.features.filter(function (f) {
        return (f.properties.kind === "dead_zone") === dead; })};
    }

    var aLabel = data.compare ? data.compare.label_a : "", bLabel = data.compare ? data.compare.label_b : "";
    var detectionMode = meta.mode === "detection";
    var LABELS = {
      envelopes: (detectionMode ? "Detection envelopes" : "Envelopes") + (data.compare ? " (outlines)" : "") + ", by system",
      detection: "Radar detection envelopes (dashed), by system",
      union: "Union: covered by at least one envelope",
      depth2: "Depth ≥ 2: covered by at least 2 envelopes",
      depth3: "Depth ≥ 3: covered by at least 3 envelopes",
      gaps: "Gap: uncovered, over " + fmt(meta.min_gap_km2, 0) + " km²",
      dead_zones: "Dead zone: uncovered, inside a site's minimum range",
      gained: "Gained: " + bLabel + " covers, " + aLabel + " does not",
      lost: "Lost: " + aLabel + " covers, " + bLabel + " does not",
      sectors: "Sector zones and border lines",
      sites: "Sites (one mark per place)",
      places: "Cities and countries"
    };

    // ---------------------------------------------------------------- static context
    L.geoJSON(data.countries, {
      pane: "adcov-countries",
      style: function (f) {
        var region = f.properties.role === "region";
        return {className: "adcov-country", color: region ? colors.region : colors.neighbour, weight: region ? 2.5 : 1,
                fillColor: colors.neighbour, fillOpacity: region ? 0.0 : FILL.neighbour};
      },
      onEachFeature: function (f, layer) { layer.bindTooltip(el("span", {text: f.properties.name + " (" + f.properties.iso3 + ")"}), {sticky: true}); }
    }).addTo(map);

    var sectors = L.layerGroup();
    L.geoJSON(data.sectors, {
      pane: "adcov-sectors",
      style: function (f) { return {className: "adcov-sector", stroke: false, fillColor: f.properties.color, fillOpacity: FILL.sectors}; },
      onEachFeature: function (f, layer) { layer.bindTooltip(el("span", {text: "Sector zone " + f.properties.name + ": nearest foreign border " + f.properties.neighbours.join(", ")}), {sticky: true}); }
    }).addTo(sectors);
    var sectorNeighbours = {};
    data.sector_legend.forEach(function (s) { sectorNeighbours[s.name] = s.neighbours; });
    L.geoJSON(data.borders, {
      pane: "adcov-borders",
      style: function (f) { return {className: "adcov-border", color: f.properties.color, weight: 5, opacity: 0.85, lineCap: "butt"}; },
      onEachFeature: function (f, layer) {
        var n = sectorNeighbours[f.properties.name] || [];
        layer.bindTooltip(el("span", {text: "Border line of sector " + f.properties.name + (n.length ? " (" + n.join(", ") + ")" : "")}), {sticky: true});
      }
    }).addTo(sectors);
    var sectorLabels = data.sector_labels.map(function (s) {
      return L.marker([s.lat, s.lon], {pane: "adcov-places", interactive: false, keyboard: false,
        icon: L.divIcon({className: "adcov-sector-label", html: el("span", {text: s.name}), iconSize: null})}).addTo(sectors);
    });
    sectors.addTo(map);

    // Places: country names and cities, for a map without tiles.
    var places = L.layerGroup();
    var countryLabels = [], cityLabels = [];
    data.countries.features.forEach(function (f) {
      var p = f.properties;
      if (!p.labels) { return; }
      var m = L.marker(p.labels[0], {pane: "adcov-places", interactive: false, keyboard: false,
        icon: L.divIcon({className: "adcov-country-label" + (p.role === "region" ? " adcov-region-label" : ""),
                         html: el("span", {text: p.name}), iconSize: null})}).addTo(places);
      m.adcovSpots = p.labels;
      countryLabels.push(m);
    });
    data.cities.forEach(function (c) {
      var label = el("span", {className: "adcov-city-name", text: c.name});
      var node = el("div", null, [el("span", {className: "adcov-city-dot"}), label]);
      cityLabels.push(L.marker([c.lat, c.lon], {pane: "adcov-places", interactive: false, keyboard: false,
        icon: L.divIcon({className: "adcov-city" + (c.capital ? " adcov-capital" : ""), html: node, iconSize: [6, 6], iconAnchor: [3, 3]})}).addTo(places));
    });
    map.eachLayer(function (l) {
      // Tiles that fail to load (offline) leave nothing to orient by: show the places then.
      if (l instanceof L.TileLayer) {
        l.on("tileerror", function () {
          if (!state.show.places && !state.placesAuto) { state.placesAuto = true; state.show.places = true; refresh(); syncChecks(); }
        });
      }
    });

    // ---------------------------------------------------------------- per-altitude layers
    function siteColor(i) { return data.altitudes[0].sites[i].color; }
    var groups = data.altitudes.map(function (alt) {
      var g = {
        envelopes: alt.envelopes_packed ?
          new PackedLayer(alt.envelopes_packed, siteColor, data.compare ?
            {weight: 1, fill: false, opacity: 0.95, className: "adcov-envelope-canvas"} :
            {weight: 1, fillOpacity: FILL.envelopes, opacity: 0.95, className: "adcov-envelope-canvas"},
            {pane: "adcov-envelopes"}) :
          geo(alt.envelopes, "envelopes", "adcov-envelopes"),
        union: geo(alt.union, "union", "adcov-cover"),
        depth2: geo(alt.depth2, "depth2", "adcov-depth"),
        depth3: geo(alt.depth3, "depth3", "adcov-depth"),
        gaps: geo(split(alt.gaps, false), "gaps", "adcov-gaps"),
        dead_zones: geo(split(alt.gaps, true), "dead_zones", "adcov-gaps")
      };
      if (data.detection) {
        g.detection = alt.detection_packed ?
          new PackedLayer(alt.detection_packed, siteColor, {weight: 1, fill: false, dash: [9, 6], opacity: 0.95,
                                                            className: "adcov-detection-canvas"}, {pane: "adcov-detection"}) :
          geo(alt.detection, "detection", "adcov-detection");
      }
      if (data.compare) {
        g.gained = geo(alt.gained, "gained", "adcov-compare");
        g.lost = geo(alt.lost, "lost", "adcov-compare");
      }
      return g;
    });

    // ---------------------------------------------------------------- sites: one mark per place
    function sitePopupPart(site, alt) {
      var rows = [
        ["System", site.system + (site.system_name && site.system_name !== site.system ? " (" + site.system_name + ")" : "")]
      ];
      if (site.max_range_km !== null && site.max_range_km !== undefined) {
        rows.push(["Range", fmt(site.min_range_km, 1) + " – " + fmt(site.max_range_km, 1) + " km (slant)"]);
        rows.push(["Altitude", fmt(site.min_altitude_m, 0) + " – " + fmt(site.max_altitude_m, 0) + " m"]);
      }
      rows.push(["Antenna height", fmt(site.antenna_height_m, 1) + " m"]);
      if (site.sector_width_deg < 360) {
        rows.push(["Sector", fmt(site.sector_width_deg, 0) + "° centred on " + fmt(site.azimuth_deg, 0) + "°"]);
      }
      rows.push(["At " + altLabel(alt.altitude_m), site.empty ? "no coverage" : "ring " + fmt(site.inner_km, 1) + " – " + fmt(site.outer_km, 1) + " km"]);
      rows.push(["Limited by", site.limited_by + " (horizon " + fmt(site.horizon_km, 1) + " km)"]);
      if (meta.terrain && site.terrain_masked_fraction !== null && site.terrain_masked_fraction !== undefined) {
        rows.push(["Terrain", "hides " + pct(site.terrain_masked_fraction) + " of the smooth-Earth envelope"]);
        if (site.outside_dem_fraction) { rows.push(["Outside the DEM", pct(site.outside_dem_fraction) + " (taken as smooth Earth)"]); }
      }
      var part = el("div", {className: "adcov-popup-site"}, [
        el("div", {className: "adcov-popup-title", text: site.name}), kv(rows)]);
      if (site.source) { part.appendChild(el("div", {className: "adcov-note", text: "Site: " + site.source})); }
      if (site.properties && site.properties.length) {
        part.appendChild(el("div", {className: "adcov-popup-sub", text: "Properties"}));
        part.appendChild(el("table", {className: "adcov-kv adcov-properties"}, site.properties.map(function (p) {
          return el("tr", null, [el("th", {text: String(p[0])}), el("td", {text: String(p[1])})]);
        })));
      }
      if (site.sources && site.sources.length) {
        part.appendChild(el("div", {className: "adcov-popup-sub", text: "Sources"}));
        part.appendChild(el("ul", {className: "adcov-sources"}, site.sources.map(function (s) { return el("li", {text: s}); })));
      }
      return part;
    }
    function markerPopup(mk) {
      var alt = data.altitudes[state.index];
      var body = el("div", {className: "adcov-popup"});
      if (mk.sites.length > 1) {
        body.appendChild(el("div", {className: "adcov-popup-head", text: mk.label + ": " + mk.sites.length + " envelopes at this place"}));
      }
      body.appendChild(el("div", {className: "adcov-note", text: latLonText(mk.lat, mk.lon)}));
      mk.sites.forEach(function (i) { body.appendChild(sitePopupPart(alt.sites[i], alt)); });
      return body;
    }
    var sitesLayer = L.layerGroup();
    function makeMarker(entry) {
      var mk = entry.data;
      var first = data.altitudes[0].sites;
      var title = mk.sites.map(function (i) { return first[i].name + " (" + first[i].system + ")"; }).join("; ");
      var marks = el("span", {className: "adcov-badge-marks"}, mk.families.map(function (f) {
        var s = el("span", {className: "adcov-badge-mark"}); s.style.background = f[1]; return s; }));
      var badge = el("span", {className: "adcov-badge"}, [marks, el("span", {className: "adcov-badge-name", text: mk.label})]);
      var dot = el("span", {className: "adcov-dot"});
      dot.style.borderColor = mk.families[0][1];
      var node = el("div", {className: "adcov-site-inner"}, [dot, badge]);
      var m = L.marker([mk.lat, mk.lon], {pane: "adcov-sites", title: title, riseOnHover: true,
        icon: L.divIcon({className: "adcov-site", html: node, iconSize: [14, 14], iconAnchor: [7, 7]})});
      m.bindPopup(function () { return markerPopup(mk); }, {maxWidth: 380, maxHeight: 420, autoPanPadding: [20, 20]});
      entry.marker = m;
      entry.badge = badge;
      return entry;
    }
    // At scale the marks are made when first shown, and clustered where they crowd.
    var clustering = packed;
    var markers = data.markers.map(function (mk) {
      var entry = {data: mk, marker: null, badge: null};
      if (!clustering) { makeMarker(entry).marker.addTo(sitesLayer); }
      return entry;
    });

    // ---------------------------------------------------------------- clusters
    // A grid of CELL pixels over the view (and a quarter of it around): a cell with one place
    // shows its mark; a cell with more shows one round mark with the number of sites, which
    // zooms in to them when clicked. At the last zoom level every mark is shown.
    var CELL = 64, clusterMarks = [];
    function siteOff(m) {
      var alt = data.altitudes[state.index];
      return m.data.sites.every(function (i) { return alt.sites[i].empty; });
    }
    function showMark(m) {
      if (!m.marker) { makeMarker(m); }
      if (!sitesLayer.hasLayer(m.marker)) { m.marker.addTo(sitesLayer); }
      var e = m.marker.getElement();
      if (e) { e.classList.toggle("adcov-site-off", siteOff(m)); }
    }
    function hideMark(m) {
      if (m.marker && sitesLayer.hasLayer(m.marker) && !m.marker.isPopupOpen()) { sitesLayer.removeLayer(m.marker); }
    }
    function recluster() {
      if (!clustering) { return; }
      clusterMarks.forEach(function (c) { sitesLayer.removeLayer(c); });
      clusterMarks = [];
      var z = map.getZoom(), maxZ = isFinite(map.getMaxZoom()) ? map.getMaxZoom() : 18;
      var pb = map.getPixelBounds(), size = map.getSize();
      var x0 = pb.min.x - size.x / 4, y0 = pb.min.y - size.y / 4, x1 = pb.max.x + size.x / 4, y1 = pb.max.y + size.y / 4;
      var cells = {}, keys = [];
      markers.forEach(function (m) {
        var p = map.project([m.data.lat, m.data.lon], z);
        if (p.x < x0 || p.x > x1 || p.y < y0 || p.y > y1) { hideMark(m); return; }
        var key = Math.floor(p.x / CELL) + ":" + Math.floor(p.y / CELL);
        if (!cells[key]) { cells[key] = []; keys.push(key); }
        cells[key].push(m);
      });
      keys.forEach(function (key) {
        var members = cells[key];
        if (members.length === 1 || z >= maxZ) { members.forEach(showMark); return; }
        members.forEach(hideMark);
        var lat = 0, lon = 0, n = 0, b = L.latLngBounds([]);
        members.forEach(function (m) {
          lat += m.data.lat; lon += m.data.lon; n += m.data.sites.length; b.extend([m.data.lat, m.data.lon]);
        });
        var px = n < 10 ? 24 : n < 100 ? 30 : 36;
        var c = L.marker([lat / members.length, lon / members.length], {pane: "adcov-sites", riseOnHover: true,
          title: n + " sites at " + members.length + " places: click to zoom in",
          icon: L.divIcon({className: "adcov-cluster", html: el("span", {text: String(n)}), iconSize: [px, px]})});
        c.on("click", function () { map.fitBounds(b, {padding: [48, 48], maxZoom: maxZ}); });
        c.adcovCount = n;
        c.addTo(sitesLayer);
        clusterMarks.push(c);
      });
    }

    // ---------------------------------------------------------------- showing one altitude
    function refresh() {
      groups.forEach(function (g, i) {
        Object.keys(g).forEach(function (k) {
          var want = (i === state.index) && state.show[k];
          if (want && !map.hasLayer(g[k])) { g[k].addTo(map); }
          if (!want && map.hasLayer(g[k])) { map.removeLayer(g[k]); }
        });
      });
      [[sectors, "sectors"], [sitesLayer, "sites"], [places, "places"]].forEach(function (p) {
        if (state.show[p[1]] && !map.hasLayer(p[0])) { p[0].addTo(map); }
        if (!state.show[p[1]] && map.hasLayer(p[0])) { map.removeLayer(p[0]); }
      });
      var alt = data.altitudes[state.index];
      document.body.setAttribute("data-adcov-altitude", String(alt.altitude_m));
      Array.prototype.forEach.call(document.querySelectorAll(".adcov-alt-btn"), function (b, i) {
        b.classList.toggle("adcov-active", i === state.index);
        b.setAttribute("aria-pressed", i === state.index ? "true" : "false");
      });
      markers.forEach(function (m) {
        if (!m.marker) { return; }
        var off = m.data.sites.every(function (i) { return alt.sites[i].empty; });
        var e = m.marker.getElement();
        if (e) { e.classList.toggle("adcov-site-off", off); }
        if (m.marker.isPopupOpen()) { m.marker.getPopup().update(); }
      });
      renderPanel(alt);
      layoutLabels();
    }
    function setAltitude(i) {
      var before = state.index;
      state.index = Math.max(0, Math.min(data.altitudes.length - 1, i));
      refresh();
      if (before !== state.index || !state.announced) {
        state.announced = true;
        // The documented hook for layers added from outside (window.adcov.addLayer and
        // listeners of "adcov:altitude" on document or window).
        document.dispatchEvent(new CustomEvent("adcov:altitude", {bubbles: true,
          detail: {index: state.index, altitude_m: data.altitudes[state.index].altitude_m}}));
      }
    }

    // ---------------------------------------------------------------- controls
    function collapsible(box, title, body, collapsed, name) {
      var btn = el("button", {type: "button", className: "adcov-toggle", "aria-expanded": String(!collapsed),
                              title: "Show or hide the " + name});
      var head = el("div", {className: "adcov-box-head"}, [el("div", {className: "adcov-box-title", text: title}), btn]);
      function set(c) {
        box.classList.toggle("adcov-collapsed", c);
        btn.setAttribute("aria-expanded", String(!c));
        btn.textContent = c ? "Show " + name : "Hide";
      }
      btn.addEventListener("click", function () { set(!box.classList.contains("adcov-collapsed")); layoutLabels(); });
      box.appendChild(head);
      box.appendChild(body);
      set(collapsed);
      return head;
    }

    var AltControl = L.Control.extend({
      options: {position: "topright"},
      onAdd: function () {
        var box = el("div", {className: "adcov-box adcov-altitude"}, [el("div", {className: "adcov-box-title", text: "Target altitude"})]);
        var row = el("div", {className: "adcov-alt-row"});
        data.altitudes.forEach(function (a, i) {
          var b = el("button", {type: "button", className: "adcov-alt-btn", "data-altitude": String(a.altitude_m), text: altLabel(a.altitude_m)});
          b.addEventListener("click", function () { setAltitude(i); });
          row.appendChild(b);
        });
        box.appendChild(row);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new AltControl().addTo(map);

    // Zone table panel.
    var panelBody;
    var Panel = L.Control.extend({
      options: {position: "bottomright"},
      onAdd: function () {
        var box = el("div", {className: "adcov-box adcov-panel"});
        var body = el("div", {className: "adcov-box-body"});
        if (meta.names) { body.appendChild(el("div", {className: "adcov-names", text: meta.names})); }
        body.appendChild(el("div", {className: "adcov-note", text: meta.subtitle}));
        panelBody = el("div", {className: "adcov-panel-body"});
        body.appendChild(panelBody);
        collapsible(box, meta.title, body, compact, "zone table");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Panel().addTo(map);

    function renderPanel(alt) {
      while (panelBody.firstChild) { panelBody.removeChild(panelBody.firstChild); }
      panelBody.appendChild(el("div", {className: "adcov-panel-alt", text: "Target altitude " + altLabel(alt.altitude_m) + " " + meta.altitude_reference}));
      if (meta.terrain) {
        var t = "Terrain applied (" + meta.terrain.dem + ").";
        if (alt.terrain_masked_fraction !== null && alt.terrain_masked_fraction !== undefined) {
          t += " At this altitude it hides " + pct(alt.terrain_masked_fraction) + " of the envelopes' smooth-Earth area.";
        }
        panelBody.appendChild(el("div", {className: "adcov-terrain", text: t}));
      }
      var rows = alt.table.map(function (r) {
        var base = [r.zone, pct(r.covered_fraction), fmt(r.mean_depth, 2), String(r.gap_count) + (r.gap_count ? " (" + fmt(r.largest_gap_km2, 0) + " km²)" : ""),
                    r.border_covered_fraction === null ? "" : pct(r.border_covered_fraction)];
        if (data.compare) { base.push(signedPct(r.delta_covered_fraction)); }
        return base;
      });
      var head = ["Zone", "Covered", "Mean depth", "Gaps (largest)", "Border covered"];
      if (data.compare) { head.push("Δ vs " + data.compare.label_a); }
      panelBody.appendChild(table(head, rows));
    }

    // Legend: every layer the map can draw, each with its checkbox.
    var checks = {}, legend = null;
    function syncChecks() { Object.keys(checks).forEach(function (k) { checks[k].checked = !!state.show[k]; }); }
    var Legend = L.Control.extend({
      options: {position: "bottomleft"},
      onAdd: function () {
        var box = el("div", {className: "adcov-box adcov-legend"});
        var body = el("div", {className: "adcov-box-body"});
        function swatch(kind, style, extra) {
          var s = el("span", {className: "adcov-swatch adcov-swatch-" + kind + (extra ? " " + extra : "")});
          Object.keys(style).forEach(function (k) { s.style[k] = style[k]; });
          return s;
        }
        function row(kind, label, sw, sub) {
          var parts = [];
          if (kind && !sub) {
            var cb = el("input", {type: "checkbox", "data-kind": kind});
            cb.checked = !!state.show[kind];
            cb.addEventListener("change", function () { state.show[kind] = cb.checked; refresh(); });
            checks[kind] = cb;
            parts.push(cb);
          }
          if (sw) { parts.push(sw); }
          parts.push(el("span", {className: "adcov-legend-text", text: label}));
          var r = el(kind && !sub ? "label" : "div", {className: "adcov-legend-row" + (sub ? " adcov-legend-sub" : ""), "data-legend": sub || kind || ""}, parts);
          body.appendChild(r);
          return r;
        }
        function area(c, a, dash) { return swatch("area", {background: hexToRgba(c, a), borderColor: c, borderStyle: dash ? "dashed" : "solid"}); }
        function line(c, w, dash) { return swatch("line", {borderTopColor: c, borderTopWidth: w + "px", borderTopStyle: dash ? "dashed" : "solid"}); }

        row("envelopes", LABELS.envelopes, null);
        data.legend.forEach(function (f) {
          row("envelopes", f.family, data.compare ? line(f.color, 2) : area(f.color, 0.3), "family:" + f.family);
        });
        if (data.detection) {
          row("detection", LABELS.detection, line("#555555", 2, true));
        }
        row("union", LABELS.union, line(colors.union, 3));
        row("depth2", LABELS.depth2, area(colors.depth2, FILL.depth2 + 0.2));
        row("depth3", LABELS.depth3, area(colors.depth3, FILL.depth3 + 0.2));
        row("gaps", LABELS.gaps, area(colors.gap, FILL.gaps + 0.15, true));
        row("dead_zones", LABELS.dead_zones, area(colors.dead_zone, FILL.dead_zones));
        if (data.compare) {
          row("gained", LABELS.gained, area(colors.gained, FILL.gained));
          row("lost", LABELS.lost, area(colors.lost, FILL.lost));
        }
        row("sectors", LABELS.sectors, null);
        data.sector_legend.forEach(function (s) {
          row("sectors", s.name + " zone (nearest border: " + s.neighbours.join(", ") + ")", area(s.color, FILL.sectors + 0.15), "sector:" + s.name);
          row("sectors", s.name + " border line", line(s.color, 5), "border:" + s.name);
        });
        var siteSw = swatch("site", {});
        row("sites", LABELS.sites, siteSw);
        if (clustering) {
          row(null, "Crowded sites: one round mark with their number (click to zoom in)",
              swatch("cluster", {background: colors.union}));
        }
        row("places", LABELS.places, swatch("city", {background: colors.place}));
        row(null, meta.region_name + " border", line(colors.region, 2.5));
        row(null, "Other countries", area(colors.neighbour, FILL.neighbour));
        body.appendChild(el("div", {className: "adcov-note", text: "Envelope: " + meta.assumptions + "."}));
        body.appendChild(el("div", {className: "adcov-note adcov-attribution", text: meta.places_attribution}));
        legend = {row: row, body: body, area: area, line: line};
        collapsible(box, "Legend and layers", body, compact, "legend");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Legend().addTo(map);

    // Coordinates under the pointer: nothing until the pointer is over the map.
    var Coords = L.Control.extend({
      options: {position: "bottomleft"},
      onAdd: function () {
        var box = el("div", {className: "adcov-box adcov-coords"});
        box.style.display = "none";
        map.on("mousemove", function (e) {
          box.style.display = "";
          box.textContent = latLonText(e.latlng.lat, e.latlng.lng);
        });
        map.on("mouseout", function () { box.style.display = "none"; box.textContent = ""; });
        return box;
      }
    });
    new Coords().addTo(map);

    // ---------------------------------------------------------------- labels without overlap
    function rectOf(node) {
      var c = map.getContainer().getBoundingClientRect(), r = node.getBoundingClientRect();
      return {x0: r.left - c.left, y0: r.top - c.top, x1: r.right - c.left, y1: r.bottom - c.top};
    }
    function overlap(a, b) {
      var w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0), h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
      return (w > 0 && h > 0) ? w * h : 0;
    }
    function grow(r, m) { return {x0: r.x0 - m, y0: r.y0 - m, x1: r.x1 + m, y1: r.y1 + m}; }
    var GAP = 3;
    // Places a label of size w x h near the point p (container pixels): the first of several
    // positions around it that meets none of `taken`; else the one that meets least.
    function place(p, w, h, r, taken) {
      var cands = [[r + GAP, -h / 2], [-r - GAP - w, -h / 2], [-w / 2, -r - GAP - h], [-w / 2, r + GAP],
                   [r, -r - h], [r, r], [-r - w, -r - h], [-r - w, r]];
      [2, 3.5].forEach(function (f) {
        cands.push([f * r + GAP + 4, -h / 2], [-f * r - GAP - 4 - w, -h / 2], [-w / 2, -f * r - GAP - 4 - h], [-w / 2, f * r + GAP + 4],
                   [f * r, -f * r - h], [f * r, f * r], [-f * r - w, -f * r - h], [-f * r - w, f * r]);
      });
      var best = null;
      for (var i = 0; i < cands.length; i++) {
        var box = {x0: p.x + cands[i][0], y0: p.y + cands[i][1], x1: p.x + cands[i][0] + w, y1: p.y + cands[i][1] + h};
        var cost = 0;
        for (var j = 0; j < taken.length; j++) { cost += overlap(grow(box, 1), taken[j]); }
        if (cost === 0) { return {off: cands[i], box: box, cost: 0}; }
        if (best === null || cost < best.cost) { best = {off: cands[i], box: box, cost: cost}; }
      }
      return best;
    }
    function layoutLabels() {
      var taken = [];
      if (state.show.sectors) {
        sectorLabels.forEach(function (m) { var e = m.getElement(); if (e && e.firstChild) { taken.push(grow(rectOf(e.firstChild), 2)); } });
      }
      if (state.show.sites) {
        var shown = markers.filter(function (m) { return m.marker && m.marker.getElement(); });
        shown.forEach(function (m) { taken.push(grow(rectOf(m.marker.getElement().querySelector(".adcov-dot")), 1)); });
        clusterMarks.forEach(function (c) { var e = c.getElement(); if (e) { taken.push(grow(rectOf(e), 1)); } });
        var size = map.getSize();
        // Badges in order of latitude, north first, so that the layout is stable.
        shown.sort(function (a, b) { return b.data.lat - a.data.lat || a.data.lon - b.data.lon; }).forEach(function (m) {
          var p = map.latLngToContainerPoint(m.marker.getLatLng());
          if (clustering && (p.x < -50 || p.y < -50 || p.x > size.x + 50 || p.y > size.y + 50)) { return; }
          m.badge.style.visibility = "";
          var w = m.badge.offsetWidth, h = m.badge.offsetHeight;
          var best = place(p, w, h, 7, taken);
          // At scale a badge that would cover another gives way: its mark stays.
          if (clustering && best.cost > 0) { m.badge.style.visibility = "hidden"; return; }
          m.badge.style.left = (7 + best.off[0]) + "px";
          m.badge.style.top = (7 + best.off[1]) + "px";
          taken.push(best.box);
        });
      }
      if (!state.show.places) { return; }
      // Context names never hide under a control.
      Array.prototype.forEach.call(map.getContainer().querySelectorAll(".leaflet-control"), function (c) { taken.push(rectOf(c)); });
      var size = map.getSize();
      countryLabels.forEach(function (m) {
        // The first of the country's name points where the name meets nothing and is in view.
        // Each point as it is, then moved by about half the name's width or a line (the
        // points are well inside the country, so that the name stays on it).
        var e = m.getElement();
        if (!e || !e.firstChild) { return; }
        e.style.visibility = "";
        var w = e.firstChild.offsetWidth, shifts = [[0, 0], [w / 2 + 8, 0], [-w / 2 - 8, 0], [0, 22], [0, -22]];
        for (var i = 0; i < m.adcovSpots.length; i++) {
          var p0 = map.latLngToContainerPoint(m.adcovSpots[i]);
          for (var j = 0; j < shifts.length; j++) {
            m.setLatLng(map.containerPointToLatLng(p0.add(shifts[j])));
            var r = rectOf(e.firstChild);
            var inView = r.x0 >= 0 && r.y0 >= 0 && r.x1 <= size.x && r.y1 <= size.y;
            if (inView && !taken.some(function (t) { return overlap(r, t) > 0; })) { taken.push(r); return; }
          }
        }
        m.getElement().style.visibility = "hidden";
      });
      cityLabels.forEach(function (m) {
        var e = m.getElement();
        if (!e) { return; }
        var name = e.querySelector(".adcov-city-name");
        e.style.visibility = "";
        var p = map.latLngToContainerPoint(m.getLatLng());
        var dot = {x0: p.x - 3, y0: p.y - 3, x1: p.x + 3, y1: p.y + 3};
        var w = name.offsetWidth, h = name.offsetHeight;
        var spots = [[6, -h / 2], [-6 - w, -h / 2]];
        for (var i = 0; i < spots.length; i++) {
          var box = {x0: p.x + spots[i][0], y0: p.y + spots[i][1], x1: p.x + spots[i][0] + w, y1: p.y + spots[i][1] + h};
          if (!taken.some(function (t) { return overlap(box, t) > 0 || overlap(dot, t) > 0; })) {
            name.style.left = (3 + spots[i][0]) + "px";
            name.style.top = (3 + spots[i][1]) + "px";
            taken.push(box, dot);
            return;
          }
        }
        e.style.visibility = "hidden";
      });
    }
    if (clustering) { map.on("moveend", function () { recluster(); layoutLabels(); }); }
    else { map.on("zoomend", layoutLabels); }

    // ---------------------------------------------------------------- the first view
    // Fits the region and the shown altitude's coverage into the largest part of the window
    // that no control covers: every rectangle bounded by the window's and the controls'
    // edges is tried, and the one that gives the closest view wins.
    function fitFree(bounds) {
      var size = map.getSize(), W = size.x, H = size.y, M = 8;
      var rects = Array.prototype.map.call(map.getContainer().querySelectorAll(".leaflet-control"), function (c) { return rectOf(c); })
        .filter(function (r) { return r.x1 > r.x0 && r.y1 > r.y0; }).map(function (r) { return grow(r, 2); });
      function uniq(a) { return a.filter(function (v, i) { return a.indexOf(v) === i; }); }
      var ls = uniq([0].concat(rects.map(function (r) { return Math.max(0, r.x1); })));
      var ts = uniq([0].concat(rects.map(function (r) { return Math.max(0, r.y1); })));
      var rs = uniq([0].concat(rects.map(function (r) { return Math.max(0, W - r.x0); })));
      var bs = uniq([0].concat(rects.map(function (r) { return Math.max(0, H - r.y0); })));
      var best = null;
      ls.forEach(function (l) { ts.forEach(function (t) { rs.forEach(function (r) { bs.forEach(function (b) {
        var free = {x0: l, y0: t, x1: W - r, y1: H - b};
        if (free.x1 - free.x0 < 4 * M || free.y1 - free.y0 < 4 * M) { return; }
        if (rects.some(function (c) { return overlap(free, c) > 0; })) { return; }
        var z = map.getBoundsZoom(bounds, false, L.point(l + r + 2 * M, t + b + 2 * M));
        var a = (free.x1 - free.x0) * (free.y1 - free.y0);
        if (best === null || z > best.z || (z === best.z && a > best.a)) { best = {z: z, a: a, pad: [l, t, r, b]}; }
      }); }); }); });
      var pad = best ? best.pad : [0, 0, 0, 0];
      map.fitBounds(bounds, {paddingTopLeft: [pad[0] + M, pad[1] + M], paddingBottomRight: [pad[2] + M, pad[3] + M], animate: false});
      return pad;
    }

    // A first view, then the layers and controls, then the view fitted around the controls.
    map.fitBounds(data.altitudes[meta.initial_index].bounds, {animate: false});
    recluster();
    setAltitude(meta.initial_index);
    var freePad = fitFree(L.latLngBounds(data.altitudes[state.index].bounds));
    layoutLabels();

    // ---------------------------------------------------------------- layers from outside
    // window.adcov.addLayer(name, label, perAltitude, style, options): a layer of one
    // GeoJSON FeatureCollection per altitude (an array in the map's altitude order, or an
    // object keyed by altitude in metres), shown with the shown altitude, with a checkbox
    // and a swatch in the legend. `style`: Leaflet path options, or a function of the
    // feature returning them; options.tooltip(properties) -> text; options.legend: a list
    // of {color, label} shown under its row; options.shown (default true); options.zIndex
    // of its pane (default 395, between depth and envelopes). Listen to "adcov:altitude"
    // (detail: index, altitude_m) on document for anything else that follows the altitude.
    // Returns the per-altitude Leaflet layers. Text reaches the page as text only.
    function addLayer(name, label, perAltitude, style, options) {
      options = options || {};
      if (!/^[a-z][a-z0-9_-]*$/i.test(name) || CLASS[name] || state.show.hasOwnProperty(name)) {
        throw new Error("adcov.addLayer: name taken or not a plain identifier: " + name);
      }
      var pane = "adcov-extra-" + name;
      map.createPane(pane).style.zIndex = options.zIndex || 395;
      var made = data.altitudes.map(function (alt, i) {
        var fc = Array.isArray(perAltitude) ? perAltitude[i] : (perAltitude[String(alt.altitude_m)] || perAltitude[alt.altitude_m]);
        var layer = L.geoJSON(fc || {type: "FeatureCollection", features: []}, {
          pane: pane,
          // Points are circles (sized by the style's radius), never image markers.
          pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {pane: pane}); },
          style: function (f) {
            var s = typeof style === "function" ? style(f) : (style || {});
            var out = {}; Object.keys(s).forEach(function (k) { out[k] = s[k]; });
            out.className = "adcov-extra adcov-extra-" + name + (s.className ? " " + s.className : "");
            return out;
          },
          onEachFeature: function (f, l) {
            if (options.tooltip) { l.bindTooltip(el("span", {text: String(options.tooltip(f.properties || {}, f))}), {sticky: true}); }
          }
        });
        groups[i][name] = layer;
        return layer;
      });
      state.show[name] = options.shown !== false;
      if (legend) {
        var s0 = typeof style === "function" ? {} : (style || {});
        var c = s0.fillColor || s0.color || "#555555";
        var r = legend.row(name, label, s0.fill === false ? legend.line(c, 2) : legend.area(c, 0.45));
        var rows = [r].concat((options.legend || []).map(function (item, k) {
          return legend.row(name, item.label, legend.area(item.color, 0.6), "extra:" + name + ":" + k);
        }));
        var note = legend.body.querySelector(".adcov-note");
        rows.forEach(function (x) { if (note) { legend.body.insertBefore(x, note); } });
      }
      refresh();
      return made;
    }

    window.adcov = {setAltitude: setAltitude, state: state, data: data, map: map, layoutLabels: layoutLabels,
                    freePadding: freePad, addLayer: addLayer, recluster: recluster,
                    altitude: function () { return data.altitudes[state.index].altitude_m; },
                    refit: function () { return fitFree(L.latLngBounds(data.altitudes[state.index].bounds)); }};
  };
})();
