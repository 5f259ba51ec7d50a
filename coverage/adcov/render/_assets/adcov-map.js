/* adcov interactive coverage map. Builds every layer and control from the JSON data block
 * written by coverage/maps.py. All user-supplied text reaches the page through textContent,
 * never as HTML. */
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

  function fmt(x, digits) {
    if (x === null || x === undefined || (typeof x === "number" && isNaN(x))) { return "–"; }
    return Number(x).toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});
  }
  function pct(x) { return (x === null || x === undefined) ? "–" : fmt(100 * x, 1) + " %"; }
  function signedPct(x) {
    if (x === null || x === undefined) { return "–"; }
    var s = fmt(100 * x, 1);
    return (x > 0 ? "+" : "") + s + " pp";
  }
  function altLabel(a) {
    if (a < 1000) { return fmt(a, a % 1 ? 1 : 0) + " m"; }
    var km = a / 1000;
    return (Math.round(km * 100) / 100).toLocaleString("en-US", {maximumFractionDigits: 2}) + " km";
  }

  function table(headers, rows) {
    var thead = el("thead", null, [el("tr", null, headers.map(function (h) { return el("th", {text: h}); }))]);
    var tbody = el("tbody", null, rows.map(function (r) {
      return el("tr", null, r.map(function (c) { return el("td", {text: c}); }));
    }));
    return el("table", {className: "adcov-table"}, [thead, tbody]);
  }

  function sitePopup(site, alt) {
    var rows = [
      ["System", site.system + (site.system_name && site.system_name !== site.system ? " (" + site.system_name + ")" : "")],
      ["Position", fmt(site.lat, 4) + "° N, " + fmt(site.lon, 4) + "° E"],
      ["Range", fmt(site.min_range_km, 1) + " – " + fmt(site.max_range_km, 1) + " km (slant)"],
      ["Altitude", fmt(site.min_altitude_m, 0) + " – " + fmt(site.max_altitude_m, 0) + " m"],
      ["Antenna height", fmt(site.antenna_height_m, 1) + " m"]
    ];
    if (site.sector_width_deg < 360) {
      rows.push(["Sector", fmt(site.sector_width_deg, 0) + "° centred on " + fmt(site.azimuth_deg, 0) + "°"]);
    }
    rows.push(["At " + altLabel(alt.altitude_m), site.empty ? "no coverage" : "ring " + fmt(site.inner_km, 1) + " – " + fmt(site.outer_km, 1) + " km"]);
    rows.push(["Limited by", site.limited_by + " (horizon " + fmt(site.horizon_km, 1) + " km)"]);
    var body = el("div", {className: "adcov-popup"}, [
      el("div", {className: "adcov-popup-title", text: site.name}),
      el("table", {className: "adcov-kv"}, rows.map(function (r) {
        return el("tr", null, [el("th", {text: r[0]}), el("td", {text: r[1]})]);
      }))
    ]);
    if (site.source) { body.appendChild(el("div", {className: "adcov-note", text: "Site: " + site.source})); }
    if (site.properties && site.properties.length) {
      body.appendChild(el("div", {className: "adcov-popup-sub", text: "Properties"}));
      body.appendChild(el("table", {className: "adcov-kv adcov-properties"}, site.properties.map(function (p) {
        return el("tr", null, [el("th", {text: String(p[0])}), el("td", {text: String(p[1])})]);
      })));
    }
    if (site.sources && site.sources.length) {
      body.appendChild(el("div", {className: "adcov-popup-sub", text: "Sources"}));
      body.appendChild(el("ul", {className: "adcov-sources"}, site.sources.map(function (s) { return el("li", {text: s}); })));
    }
    return body;
  }

  function styleFor(kind, props, data) {
    switch (kind) {
      case "envelopes": return {color: props.color, weight: 1.5, fillColor: props.color, fillOpacity: 0.08, opacity: 0.9};
      case "union": return {color: "#08306b", weight: 2.5, fill: false, opacity: 0.9};
      case "depth2": return {stroke: false, fillColor: "#2171b5", fillOpacity: 0.22};
      case "depth3": return {stroke: false, fillColor: "#08306b", fillOpacity: 0.30};
      case "gaps": return {color: "#b3005e", weight: 2, dashArray: "6 4", fillColor: "#ff2d95", fillOpacity: 0.38};
      case "gained": return {color: "#1a7f37", weight: 1, fillColor: "#2ea043", fillOpacity: 0.55};
      case "lost": return {color: "#8b0000", weight: 1, fillColor: "#e5534b", fillOpacity: 0.55};
      default: return {};
    }
  }

  var KIND_LABELS = {
    envelopes: "Envelopes (by system)", union: "Union outline", depth2: "Depth ≥ 2",
    depth3: "Depth ≥ 3", gaps: "Gaps", gained: "Gained (B covers, A does not)",
    lost: "Lost (A covers, B does not)", sites: "Sites", sectors: "Sector zones"
  };

  window.adcovMap = function (map, data) {
    var state = {index: 0, show: {}};
    var kinds = ["depth2", "depth3", "union", "envelopes", "gaps"];
    if (data.compare) { kinds.push("gained", "lost"); }
    kinds.push("sites");
    kinds.forEach(function (k) { state.show[k] = !(k === "depth2" || k === "depth3") || !data.compare; });
    state.show.sectors = true;

    ["countries", "sectors", "depth", "cover", "envelopes", "gaps", "compare", "sites"].forEach(function (p, i) {
      map.createPane("adcov-" + p).style.zIndex = 390 + i;
    });

    function geo(fc, kind, pane) {
      return L.geoJSON(fc, {
        pane: pane,
        style: function (f) { var s = styleFor(kind, f.properties, data); s.className = "adcov-" + kind.replace(/s$/, ""); return s; },
        onEachFeature: function (f, layer) {
          var p = f.properties || {};
          var tip = null;
          if (kind === "envelopes") { tip = p.site + " · " + p.system + " · " + fmt(p.outer_km, 1) + " km (" + p.limited_by + ")"; }
          else if (kind === "gaps") {
            tip = (p.kind === "dead_zone" ? "Dead zone (inside a site's minimum range) in " : "Gap in ") +
                  p.zone + ": " + fmt(p.area_km2, 0) + " km²";
          }
          else if (kind === "gained" || kind === "lost") { tip = KIND_LABELS[kind] + ": " + fmt(p.area_km2, 0) + " km²"; }
          if (tip !== null) { layer.bindTooltip(el("span", {text: tip}), {sticky: true}); }
        }
      });
    }

    // Static context: countries and sector zones.
    var countries = L.geoJSON(data.countries, {
      pane: "adcov-countries",
      style: function (f) {
        var r = f.properties.role;
        return {className: "adcov-country", color: r === "region" ? "#111" : "#555", weight: r === "region" ? 2.5 : 1,
                fillColor: r === "region" ? "#ffffff" : "#d9d9d9", fillOpacity: r === "region" ? 0.0 : 0.35};
      },
      onEachFeature: function (f, layer) { layer.bindTooltip(el("span", {text: f.properties.name + " (" + f.properties.iso3 + ")"}), {sticky: true}); }
    }).addTo(map);
    var sectors = L.layerGroup();
    L.geoJSON(data.sectors, {
      pane: "adcov-sectors",
      style: function (f) { return {className: "adcov-sector", color: f.properties.color, weight: 1, dashArray: "2 4", fillColor: f.properties.color, fillOpacity: 0.10}; },
      onEachFeature: function (f, layer) { layer.bindTooltip(el("span", {text: "Sector " + f.properties.name + " (" + f.properties.neighbours.join(", ") + ")"}), {sticky: true}); }
    }).addTo(sectors);
    L.geoJSON(data.borders, {
      pane: "adcov-sectors",
      style: function (f) { return {className: "adcov-border", color: f.properties.color, weight: 5, opacity: 0.8}; }
    }).addTo(sectors);
    data.sector_labels.forEach(function (s) {
      L.marker([s.lat, s.lon], {pane: "adcov-sectors", interactive: false,
        icon: L.divIcon({className: "adcov-sector-label", html: el("span", {text: s.name}), iconSize: null})}).addTo(sectors);
    });
    sectors.addTo(map);

    // Per-altitude layers.
    var groups = data.altitudes.map(function (alt) {
      var g = {
        envelopes: geo(alt.envelopes, "envelopes", "adcov-envelopes"),
        union: geo(alt.union, "union", "adcov-cover"),
        depth2: geo(alt.depth2, "depth2", "adcov-depth"),
        depth3: geo(alt.depth3, "depth3", "adcov-depth"),
        gaps: geo(alt.gaps, "gaps", "adcov-gaps"),
        sites: L.layerGroup()
      };
      if (data.compare) {
        g.gained = geo(alt.gained, "gained", "adcov-compare");
        g.lost = geo(alt.lost, "lost", "adcov-compare");
      }
      alt.sites.forEach(function (s) {
        var label = el("span", {text: s.short});
        var icon = L.divIcon({className: "adcov-site adcov-site-" + (s.empty ? "off" : "on"), html: label, iconSize: [30, 18], iconAnchor: [15, 9]});
        var m = L.marker([s.lat, s.lon], {icon: icon, pane: "adcov-sites", title: s.name + " (" + s.system + ")"});
        m.on("add", function () { var e = m.getElement(); if (e) { e.style.background = s.color; } });
        m.bindPopup(function () { return sitePopup(s, alt); }, {maxWidth: 360});
        m.addTo(g.sites);
      });
      return g;
    });

    function refresh() {
      groups.forEach(function (g, i) {
        Object.keys(g).forEach(function (k) {
          var want = (i === state.index) && state.show[k];
          if (want && !map.hasLayer(g[k])) { g[k].addTo(map); }
          if (!want && map.hasLayer(g[k])) { map.removeLayer(g[k]); }
        });
      });
      if (state.show.sectors && !map.hasLayer(sectors)) { sectors.addTo(map); }
      if (!state.show.sectors && map.hasLayer(sectors)) { map.removeLayer(sectors); }
      var alt = data.altitudes[state.index];
      document.body.setAttribute("data-adcov-altitude", String(alt.altitude_m));
      Array.prototype.forEach.call(document.querySelectorAll(".adcov-alt-btn"), function (b, i) {
        b.classList.toggle("adcov-active", i === state.index);
      });
      renderPanel(alt);
    }

    function setAltitude(i) { state.index = Math.max(0, Math.min(data.altitudes.length - 1, i)); refresh(); }

    // Altitude control.
    var AltControl = L.Control.extend({
      options: {position: "topright"},
      onAdd: function () {
        var box = el("div", {className: "adcov-box adcov-altitude"}, [el("div", {className: "adcov-box-title", text: "Target altitude"})]);
        data.altitudes.forEach(function (a, i) {
          var b = el("button", {type: "button", className: "adcov-alt-btn", "data-altitude": String(a.altitude_m), text: altLabel(a.altitude_m)});
          b.addEventListener("click", function () { setAltitude(i); });
          box.appendChild(b);
        });
        box.appendChild(el("div", {className: "adcov-box-title", text: "Layers"}));
        kinds.concat(["sectors"]).forEach(function (k) {
          var cb = el("input", {type: "checkbox", "data-kind": k});
          cb.checked = !!state.show[k];
          cb.addEventListener("change", function () { state.show[k] = cb.checked; refresh(); });
          box.appendChild(el("label", {className: "adcov-check"}, [cb, " " + KIND_LABELS[k]]));
        });
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
        panelBody = el("div", {className: "adcov-panel-body"});
        var box = el("div", {className: "adcov-box adcov-panel"}, [
          el("div", {className: "adcov-box-title", text: data.meta.title}),
          el("div", {className: "adcov-note", text: data.meta.subtitle}),
          panelBody
        ]);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Panel().addTo(map);

    function renderPanel(alt) {
      while (panelBody.firstChild) { panelBody.removeChild(panelBody.firstChild); }
      panelBody.appendChild(el("div", {className: "adcov-panel-alt", text: "Target altitude " + altLabel(alt.altitude_m) + " above the radars' ground"}));
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

    // Legend.
    var Legend = L.Control.extend({
      options: {position: "bottomleft"},
      onAdd: function () {
        var box = el("div", {className: "adcov-box adcov-legend"}, [el("div", {className: "adcov-box-title", text: "Legend"})]);
        function swatch(color, label, extra) {
          var s = el("span", {className: "adcov-swatch" + (extra ? " " + extra : "")});
          s.style.background = color;
          box.appendChild(el("div", {className: "adcov-legend-row"}, [s, " " + label]));
        }
        data.legend.forEach(function (f) { swatch(f.color, f.family + " envelope / site"); });
        if (!data.compare) {
          swatch("rgba(33,113,181,0.35)", "covered by ≥ 2 envelopes");
          swatch("rgba(8,48,107,0.55)", "covered by ≥ 3 envelopes");
        }
        swatch("#ff2d95", "gap (uncovered, > " + fmt(data.meta.min_gap_km2, 0) + " km²)", "adcov-swatch-gap");
        if (data.compare) { swatch("#2ea043", "gained in " + data.compare.label_b); swatch("#e5534b", "lost in " + data.compare.label_b); }
        box.appendChild(el("div", {className: "adcov-note", text: data.meta.assumptions}));
        L.DomEvent.disableClickPropagation(box);
        return box;
      }
    });
    new Legend().addTo(map);

    // Coordinates under the pointer.
    var Coords = L.Control.extend({
      options: {position: "bottomleft"},
      onAdd: function () {
        var box = el("div", {className: "adcov-box adcov-coords", text: "–"});
        map.on("mousemove", function (e) {
          box.textContent = fmt(e.latlng.lat, 4) + "° N  " + fmt(e.latlng.lng, 4) + "° E";
        });
        return box;
      }
    });
    new Coords().addTo(map);

    map.fitBounds(data.meta.bounds);
    setAltitude(data.meta.initial_index);
    window.adcov = {setAltitude: setAltitude, state: state, data: data, map: map};
  };
})();
