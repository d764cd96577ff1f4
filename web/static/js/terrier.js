// The terrier's layers on the Folium map: assets of every body (grid clusters when
// zoomed out, one by one when zoomed in), co-location clusters, disposal candidates,
// wards and the boundary, filters, search, popups and area summaries.
//
// The page never holds the whole estate: every move asks /api/map for what is in view.
// Text from the register is only ever set as text (textContent, DOM nodes), never as
// HTML; the one place Leaflet takes HTML (layer control labels) gets escaped text.
var Terrier = (function () {
  "use strict";

  function esc(text) {
    return String(text == null ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  // An element with text children only (strings become text nodes).
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "className") { node.className = attrs[key]; }
      else if (key === "text") { node.textContent = attrs[key]; }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) {
      if (child == null) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function money(v) {
    if (v == null || v === "") { return ""; }
    var n = Number(v);
    return (n < 0 ? "-£" : "£") + Math.round(Math.abs(n)).toLocaleString("en-GB");
  }
  function number(v, digits) {
    if (v == null || v === "") { return ""; }
    return Number(v).toLocaleString("en-GB", { maximumFractionDigits: digits || 0 });
  }

  function table(rows) {
    return el("table", {}, [el("tbody", {}, rows.filter(function (r) {
      return r[1] != null && r[1] !== "";
    }).map(function (r) {
      return el("tr", {}, [el("th", { text: r[0] }), el("td", { text: String(r[1]) })]);
    }))]);
  }

  function query(params) {
    return Object.keys(params).filter(function (k) {
      return params[k] != null && params[k] !== "";
    }).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }

  function start(map, config) {
    var urls = config.urls;
    // Plain words: the API sends codes (use_class, body, ...); the page was given every
    // vocabulary's labels and every body's name once, in its configuration.
    var vocab = config.labels || {};
    var names = {};
    Object.keys(config.body_names || {}).forEach(function (k) { names[k] = config.body_names[k]; });
    config.bodies.forEach(function (b) { names[b.code] = b.name; });
    function word(column, code) {
      if (code == null || code === "") { return ""; }
      var words = vocab[column] || {};
      return Object.prototype.hasOwnProperty.call(words, code) ? words[code] : String(code);
    }
    function bodyName(code) {
      return code && Object.prototype.hasOwnProperty.call(names, code) ? names[code] : (code || "");
    }
    // The analysis' reasons and notes begin as a sentence does: "Vacant; condition C".
    function sentence(words) { return words ? String(words).charAt(0).toUpperCase() + String(words).slice(1) : ""; }
    function bodiesNamed(joined) {
      return joined ? String(joined).split(", ").map(bodyName).join(", ") : "";
    }
    var colours = {};
    var groups = {};
    var enabled = {};
    var filters = { use: "", tenure: "", status: "", condition: "" };
    var state = { mode: null, features: 0, drawnBodies: {}, requests: 0, loaded: 0 };
    window.terrierState = state;
    var renderer = L.canvas({ padding: 0.3 });
    // Every vector layer on this one canvas, drawn shapes included. A canvas takes every
    // mouse event over the whole map and hit-tests only its own shapes, so a second canvas
    // (another pane, or Leaflet's default renderer) stacked above this one would swallow
    // the clicks meant for the wards, clusters or candidates drawn on the one below: a
    // person's click on a ward did nothing. Order on the canvas is draw order (wards and
    // the boundary at the back, cluster outlines next, assets in front).
    map.options.renderer = renderer;

    config.bodies.forEach(function (b) {
      colours[b.code] = b.colour;
      groups[b.code] = L.layerGroup().addTo(map);
      enabled[b.code] = true;
    });
    var clusterGroup = L.layerGroup().addTo(map);

    // --- the assets in view ---------------------------------------------------
    var pending = null;
    var timer = null;

    function bodyParam() {
      var on = config.bodies.filter(function (b) { return enabled[b.code]; });
      if (on.length === config.bodies.length) { return ""; }
      return on.map(function (b) { return b.code; }).join(",") || "-none-";
    }

    function viewBox() {
      var b = map.getBounds();
      var clamp = function (v, lo, hi) { return Math.max(lo, Math.min(hi, v)); };
      return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
              clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
        .map(function (v) { return v.toFixed(6); }).join(",");
    }

    // Debounced, and always after the page's own script has run (Folium fits the map
    // to the locality after this starts): one request per settled view.
    function refresh() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        load();
        if (map.hasLayer(overlays.clusters)) { loadAnalysis("clusters"); }
        if (map.hasLayer(overlays.candidates)) { loadAnalysis("candidates"); }
        if (map.hasLayer(overlays.radar)) { loadAnalysis("radar"); }
      }, 60);
    }

    function clear() {
      Object.keys(groups).forEach(function (code) { groups[code].clearLayers(); });
      clusterGroup.clearLayers();
    }

    function load() {
      var bodies = bodyParam();
      if (bodies === "-none-") { clear(); setStatus("No body selected."); return; }
      if (pending) { pending.abort(); }
      pending = new AbortController();
      state.requests += 1;
      var params = { bbox: viewBox(), zoom: map.getZoom(), body: bodies };
      Object.keys(filters).forEach(function (k) { params[k] = filters[k]; });
      fetch(urls.map + "?" + query(params), { signal: pending.signal })
        .then(function (r) {
          if (!r.ok) { return r.json().then(function (e) { throw new Error(e.description); }); }
          return r.json();
        })
        .then(draw)
        .catch(function (err) { if (err.name !== "AbortError") { setStatus("Could not load: " + err.message); } });
    }

    function assetStyle(feature) {
      var colour = colours[feature.properties.body] || "#555";
      return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.45, renderer: renderer };
    }

    function assetMarker(feature, latlng) {
      var colour = colours[feature.properties.body] || "#555";
      return L.circleMarker(latlng, {
        radius: 6, color: "#222", weight: 1, fillColor: colour, fillOpacity: 0.9, renderer: renderer
      });
    }

    function clusterIcon(p) {
      var total = p.count;
      var size = Math.round(22 + Math.min(34, 7 * Math.log(total)));
      var stops = [];
      var at = 0;
      Object.keys(p.bodies).forEach(function (code) {
        var share = 100 * p.bodies[code] / total;
        stops.push((colours[code] || "#888") + " " + at.toFixed(1) + "% " + (at + share).toFixed(1) + "%");
        at += share;
      });
      var node = el("div", { className: "terrier-cluster" }, [el("span", { text: String(total) })]);
      node.style.width = node.style.height = size + "px";
      node.style.background = "conic-gradient(" + stops.join(",") + ")";
      return L.divIcon({ html: node, className: "", iconSize: [size, size] });
    }

    function draw(collection) {
      clear();
      state.mode = collection.mode;
      state.features = collection.features.length;
      state.drawnBodies = {};
      var assets = 0;
      collection.features.forEach(function (f) {
        var p = f.properties;
        if (collection.mode === "clusters" && !(p.count === 1 && p.id)) {
          Object.keys(p.bodies).forEach(function (code) {
            state.drawnBodies[code] = (state.drawnBodies[code] || 0) + p.bodies[code];
          });
          assets += p.count;
          var c = f.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], { icon: clusterIcon(p), keyboard: false });
          marker.on("click", function () { map.setView(marker.getLatLng(), Math.min(map.getZoom() + 2, 18)); });
          marker.bindTooltip(el("span", { text: p.count.toLocaleString("en-GB") + " assets: " + Object.keys(p.bodies).map(function (k) {
            return bodyName(k) + " " + p.bodies[k].toLocaleString("en-GB");
          }).join(", ") }));
          clusterGroup.addLayer(marker);
          return;
        }
        assets += 1;
        state.drawnBodies[p.body] = (state.drawnBodies[p.body] || 0) + 1;
        var layer = L.geoJSON(f, { pointToLayer: assetMarker, style: assetStyle });
        layer.on("click", function (e) { openAsset(p.id, e.latlng); });
        if (p.name) { layer.bindTooltip(el("span", { text: p.name })); }
        (groups[p.body] || clusterGroup).addLayer(layer);
      });
      state.loaded += 1;
      document.body.setAttribute("data-terrier-loaded", String(state.loaded));
      setStatus(assets.toLocaleString("en-GB") + (assets === 1 ? " asset in view" : " assets in view") +
        (collection.mode === "clusters" ? " (grouped; zoom in to see each one)" : "") +
        (collection.truncated ? " (the first " + collection.features.length + "; zoom in for all)" : "") +
        (map.getZoom() < config.analysis_from_zoom ? ". Zoom in to see co-location clusters and disposal candidates." : ""));
    }

    // --- one asset's details ------------------------------------------------------
    function openAsset(id, latlng) {
      fetch(urls.asset + id).then(function (r) { return r.json(); }).then(function (f) {
        var p = f.properties;
        var where = latlng;
        if (!where && f.geometry) { where = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]); }
        var node = el("div", { className: "terrier-popup" }, [
          el("h4", { text: p.name || "(no name)" }),
          table([
            ["Body", bodyName(p.body) || p.body_name], ["Reference", p.source_ref],
            ["Use", word("use_class", p.use_class)], ["Tenure", word("tenure", p.tenure)],
            ["Status", word("status", p.status)], ["Condition", word("condition", p.condition)],
            ["Address", [p.address, p.town].filter(Boolean).join(", ")],
            ["Postcode", p.postcode], ["UPRN", p.uprn],
            ["Floor area (m²)", number(p.gia_m2 || p.nia_m2)],
            ["Occupants (FTE)", number(p.occupants_fte, 1)],
            ["Running cost a year", money(p.running_cost)],
            ["Located by", word("location_method", p.location_method)]
          ]),
          el("a", { href: urls.page + id, text: "Full details" })
        ]);
        if (where) { L.popup({ maxWidth: 340 }).setLatLng(where).setContent(node).openOn(map); }
        addNearby(node, id);
      });
    }

    // Partner assets within the co-location distance, under the asset's details.
    function addNearby(node, id) {
      fetch(urls.asset + id + "/nearby").then(function (r) { return r.json(); }).then(function (data) {
        if (!data.nearby) { return; }
        var box = el("div", { className: "terrier-nearby" });
        box.appendChild(el("h5", { text: "Partner assets within " + number(data.distance_m) + " m" }));
        if (data.generalised) {
          box.appendChild(el("p", { text: "This site's place is shown to you only roughly: nothing is measured from it." }));
        } else if (!data.nearby.length) {
          box.appendChild(el("p", { text: "None." }));
        } else {
          box.appendChild(el("ul", {}, data.nearby.slice(0, 8).map(function (n) {
            return el("li", {}, [el("a", { href: urls.page + n.id, text: n.name || "(no name)" }),
              " (" + [bodyName(n.body), word("use_class", n.use_class), number(n.distance_m) + " m",
                      n.spare_m2 == null ? "" : number(n.spare_m2) + " m² spare"].filter(Boolean).join(", ") + ")"]);
          })));
          if (data.nearby.length > 8) { box.appendChild(el("p", { text: "and " + (data.nearby.length - 8) + " more on its page." })); }
        }
        box.appendChild(el("a", { href: urls.page + id + "/nearby.csv", text: "Download the list (CSV)" }));
        node.appendChild(box);
        state.nearby = data.nearby.length;
      });
    }

    // --- analysis layers -------------------------------------------------------------
    var overlays = {};
    overlays.clusters = L.layerGroup();
    overlays.candidates = L.layerGroup();
    overlays.radar = L.layerGroup();
    var radarMonths = 24;

    function loadAnalysis(kind) {
      var layer = overlays[kind];
      if (map.getZoom() < config.analysis_from_zoom) {
        // A region's candidates at once would be megabytes; a town's are a few dozen.
        layer.clearLayers();
        state[kind] = 0;
        return;
      }
      var args = { bbox: viewBox() };
      if (kind === "radar") { args.months = radarMonths; }
      fetch(urls[kind] + "?" + query(args)).then(function (r) { return r.json(); })
        .then(function (collection) {
          layer.clearLayers();
          if (kind === "clusters") {
            var hulls = L.geoJSON(collection, {
              renderer: renderer,
              style: { color: "#e66101", weight: 2, dashArray: "5 4", fillOpacity: 0.08 },
              onEachFeature: function (f, l) { l.bindPopup(clusterPopup(f.properties), { maxWidth: 360 }); }
            });
            layer.addLayer(hulls);
            // Behind the assets (their clicks are theirs), in front of the wards.
            hulls.bringToBack();
            areasToBack();
          } else if (kind === "radar") {
            layer.addLayer(L.geoJSON(collection, {
              pointToLayer: function (f, latlng) {
                return L.circleMarker(latlng, { renderer: renderer, radius: 9, color: "#7b3294", weight: 3, dashArray: "3 3", fill: false });
              },
              onEachFeature: function (f, l) { l.bindPopup(radarPopup(f.properties), { maxWidth: 360 }); }
            }));
          } else {
            layer.addLayer(L.geoJSON(collection, {
              pointToLayer: function (f, latlng) {
                return L.circleMarker(latlng, { renderer: renderer, radius: 11, color: "#b2182b", weight: 3, fill: false });
              },
              onEachFeature: function (f, l) { l.bindPopup(candidatePopup(f.properties), { maxWidth: 360 }); }
            }));
          }
          state[kind] = collection.features.length;
        });
    }

    function clusterPopup(p) {
      return el("div", { className: "terrier-popup" }, [
        el("h4", { text: "Co-location cluster " + p.cluster }),
        table([
          ["Assets", p.assets], ["Bodies", bodiesNamed(p.body_codes)],
          ["Floor area (m²)", number(p.floor_area_m2)], ["Running cost", money(p.running_cost)],
          ["Spare space (m²)", number(p.spare_m2)], ["Saving it could unlock", money(p.saving)],
          ["Could close", p.exit_asset_name]
        ]),
        el("ul", {}, (p.members || []).map(function (m, i) {
          var named = p.member_names && p.member_bodies;
          return el("li", { text: named ? (p.member_names[i] || "(no name)") + " (" + bodyName(p.member_bodies[i]) + ")" : m });
        })),
        p.key != null && urls.cluster_page ? el("a", { href: urls.cluster_page + p.key, text: "The cluster's page: who could move where" }) : null
      ]);
    }

    function radarPopup(p) {
      var what = p.event === "break" ? "Lease break" : "Lease end";
      return el("div", { className: "terrier-popup" }, [
        el("h4", { text: what + ": " + (p.name || "(no name)") }),
        table([["Body", bodyName(p.body)], ["Date", p.date], ["Use", word("use_class", p.use_class)],
               ["Occupants (FTE)", number(p.occupants_fte, 1)], ["Saving a year", money(p.running_cost)],
               ["Saving from the break to the lease end", money(p.saving_to_end)],
               ["Could move to", p.receiving_name ? p.receiving_name + " (" + bodyName(p.receiving_body) + ", " + number(p.receiving_distance_m) + " m, " + number(p.receiving_spare_m2) + " m² spare)" : ""],
               ["What the partnership could do", sentence(p.note)]]),
        el("a", { href: urls.page + p.id, text: "Full details" })
      ]);
    }

    function candidatePopup(p) {
      return el("div", { className: "terrier-popup" }, [
        el("h4", { text: "Disposal candidate: " + (p.name || "(no name)") }),
        table([["Body", bodyName(p.body)], ["Use", word("use_class", p.use_class)], ["Score", p.score],
               ["Running cost", money(p.running_cost)], ["Valuation", money(p.valuation)],
               ["Could move to", p.receiving_name ? p.receiving_name + " (" + bodyName(p.receiving_body) + ", " + number(p.receiving_distance_m) + " m)" : ""],
               ["Note", sentence(p.receiving_note)]]),
        el("ul", {}, (p.reasons || []).map(function (r) { return el("li", { text: sentence(r) }); })),
        el("a", { href: urls.page + p.id, text: "Full details" })
      ]);
    }

    // --- areas: boundary and wards, summaries ----------------------------------------
    var boundary = L.geoJSON(null, { renderer: renderer, interactive: false, style: { color: "#333", weight: 2, fill: false } });
    var wards = L.geoJSON(null, {
      renderer: renderer,
      style: { color: "#777", weight: 1, fillOpacity: 0 },
      onEachFeature: function (f, l) {
        l.bindTooltip(el("span", { text: f.properties.name }), { sticky: true });
        l.on("click", function (e) {
          if (e.originalEvent && e.originalEvent.defaultPrevented) { return; }
          summarise({ ward: f.properties.name }, null, "Ward: " + f.properties.name, { area: f.properties.name });
        });
      }
    });
    function areasToBack() {
      if (map.hasLayer(wards)) { wards.bringToBack(); }
      if (map.hasLayer(boundary)) { boundary.bringToBack(); }
    }
    fetch(urls.areas + "boundary").then(function (r) { return r.json(); }).then(function (g) { boundary.addData(g); areasToBack(); });
    fetch(urls.areas + "ward").then(function (r) { return r.json(); }).then(function (g) {
      wards.addData(g);
      areasToBack();
      state.wards = g.features ? g.features.length : 0;
    });
    boundary.addTo(map);

    var summaryControl = L.control({ position: "bottomleft" });
    var summaryBox = el("div", { className: "terrier-panel terrier-summary", id: "terrier-summary" });
    summaryBox.style.display = "none";
    summaryControl.onAdd = function () { L.DomEvent.disableClickPropagation(summaryBox); return summaryBox; };
    summaryControl.addTo(map);

    function summarise(params, geometry, title, place) {
      var args = {};
      Object.keys(filters).forEach(function (k) { args[k] = filters[k]; });
      Object.keys(params).forEach(function (k) { args[k] = params[k]; });
      var request = geometry
        ? fetch(urls.summary + "?" + query(args), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(geometry) })
        : fetch(urls.summary + "?" + query(args));
      request.then(function (r) { return r.json(); }).then(function (data) {
        summaryBox.textContent = "";
        var close = el("button", { type: "button", text: "×", "aria-label": "Close" });
        close.style.float = "right";
        close.addEventListener("click", function () { summaryBox.style.display = "none"; });
        summaryBox.appendChild(close);
        summaryBox.appendChild(el("h3", { text: title }));
        if (!data.rows) { summaryBox.appendChild(el("p", { text: data.description || "No summary." })); }
        else {
          summaryBox.appendChild(el("table", {}, [
            el("thead", {}, [el("tr", {}, ["Body", "Assets", "GIA m²", "FTE", "Running cost", "Vacant"].map(function (h) { return el("th", { text: h }); }))]),
            el("tbody", {}, data.rows.map(function (r) {
              return el("tr", {}, [bodyName(r.body), number(r.assets), number(r.gia_m2),
                number(r.occupants_fte, 1), money(r.running_cost), number(r.vacant)].map(function (v) { return el("td", { text: String(v) }); }));
            }))
          ]));
        }
        if (place && urls.colocation_page) {
          // The analyses for the same place, on their own pages.
          summaryBox.appendChild(el("p", {}, [
            el("a", { href: urls.colocation_page + "?" + query(place), text: "Co-location here" }), " · ",
            el("a", { href: urls.disposals_page + "?" + query(place), text: "Disposal candidates here" })
          ]));
        }
        summaryBox.style.display = "block";
      });
    }

    var drawn = L.featureGroup().addTo(map);
    if (L.Control.Draw) {
      map.addControl(new L.Control.Draw({
        position: "topleft",
        draw: { polyline: false, circle: false, marker: false, circlemarker: false,
                polygon: { allowIntersection: false, showArea: false }, rectangle: { showArea: false } },
        edit: { featureGroup: drawn, edit: false, remove: true }
      }));
      map.on(L.Draw.Event.CREATED, function (e) {
        drawn.clearLayers();
        drawn.addLayer(e.layer);
        var shape = e.layer.toGeoJSON().geometry;
        summarise({}, shape, "Drawn area", { polygon: JSON.stringify(shape) });
      });
    }

    // --- controls: layers and legend, filters, search, status ---------------------------
    var layerItems = {};
    config.bodies.forEach(function (b) {
      layerItems['<span class="swatch" style="background:' + esc(b.colour) + '"></span>' +
        esc(b.name) + " <small>(" + esc(b.kind_label) + ", " + Number(b.assets).toLocaleString("en-GB") + ")</small>"] = groups[b.code];
    });
    layerItems['<span class="swatch" style="border:2px dashed #e66101;background:none"></span>Co-location clusters'] = overlays.clusters;
    layerItems['<span class="swatch" style="border:3px solid #b2182b;background:none"></span>Disposal candidates'] = overlays.candidates;
    layerItems['<span class="swatch" style="border:3px dashed #7b3294;background:none"></span>Lease breaks and ends, next 24 months'] = overlays.radar;
    layerItems["Wards (click for a summary)"] = wards;
    layerItems["Locality boundary"] = boundary;
    var layers = L.control.layers(null, layerItems, {
      // Open on a desktop; on a phone it would cover the map and the search panel.
      collapsed: window.innerWidth < 800,
      position: "topright",
    }).addTo(map);
    layers.getContainer().classList.add("terrier-legend");
    overlays.clusters.addTo(map);
    overlays.candidates.addTo(map);
    wards.addTo(map);

    map.on("overlayadd overlayremove", function (e) {
      var changed = false;
      config.bodies.forEach(function (b) {
        if (e.layer === groups[b.code]) { enabled[b.code] = e.type === "overlayadd"; changed = true; }
      });
      if (changed || e.layer === overlays.clusters || e.layer === overlays.candidates || e.layer === overlays.radar) { refresh(); }
    });

    var panel = L.control({ position: "topleft" });
    var statusLine = el("div", { className: "terrier-status", id: "terrier-status", text: "Loading…" });
    panel.onAdd = function () {
      var box = el("div", { className: "terrier-panel", id: "terrier-panel" });
      var form = el("form", { id: "terrier-search", role: "search" });
      var input = el("input", { type: "search", name: "q", placeholder: "Name, address, postcode, UPRN or reference", "aria-label": "Search assets" });
      var results = el("ul", { className: "terrier-results", id: "terrier-results" });
      form.appendChild(input);
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var params = { q: input.value };
        Object.keys(filters).forEach(function (k) { params[k] = filters[k]; });
        fetch(urls.search + "?" + query(params)).then(function (r) { return r.json(); }).then(function (data) {
          results.textContent = "";
          if (!data.results || !data.results.length) { results.appendChild(el("li", { text: "Nothing found." })); return; }
          data.results.forEach(function (hit) {
            var item = el("li", { tabindex: "0" }, [hit.name || "(no name)",
              el("small", { text: [bodyName(hit.body), hit.address, hit.postcode].filter(Boolean).join(" · ") })]);
            var go = function () {
              if (hit.lat != null) {
                var at = L.latLng(hit.lat, hit.lon);
                map.setView(at, 18);
                openAsset(hit.id, at);
              } else { window.location.href = urls.page + hit.id; }
            };
            item.addEventListener("click", go);
            item.addEventListener("keydown", function (k) { if (k.key === "Enter") { go(); } });
            results.appendChild(item);
          });
        });
      });
      box.appendChild(el("h3", { text: "Find an asset" }));
      box.appendChild(form);
      box.appendChild(results);
      box.appendChild(el("h3", { text: "Filter" }));
      [["use", "Use"], ["tenure", "Tenure"], ["status", "Status"], ["condition", "Condition"]].forEach(function (pair) {
        var select = el("select", { name: pair[0], id: "filter-" + pair[0] }, [el("option", { value: "", text: "any " + pair[1].toLowerCase() })]);
        config.vocab[pair[0]].forEach(function (word) { select.appendChild(el("option", { value: word[0], text: word[1] })); });
        select.appendChild(el("option", { value: "unknown", text: "not recorded" }));
        select.addEventListener("change", function () { filters[pair[0]] = select.value; refresh(); });
        box.appendChild(el("label", {}, [pair[1], select]));
      });
      box.appendChild(statusLine);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    panel.addTo(map);

    function setStatus(text) { statusLine.textContent = text; }

    // --- where to look: #zoom=Z&lat=Y&lon=X&asset=ID ---------------------------------
    function followHash() {
      var args = {};
      window.location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
        var kv = pair.split("=");
        if (kv.length === 2) { args[kv[0]] = decodeURIComponent(kv[1]); }
      });
      var lat = parseFloat(args.lat), lon = parseFloat(args.lon), zoom = parseInt(args.zoom, 10);
      if (isFinite(lat) && isFinite(lon)) { map.setView([lat, lon], isFinite(zoom) ? zoom : 17); }
      if (args.radar && /^\d+$/.test(args.radar)) {
        radarMonths = parseInt(args.radar, 10);
        if (!map.hasLayer(overlays.radar)) { overlays.radar.addTo(map); }
      }
      if (args.asset && /^\d+$/.test(args.asset)) {
        openAsset(args.asset, isFinite(lat) && isFinite(lon) ? L.latLng(lat, lon) : null);
      }
    }
    window.addEventListener("hashchange", followHash);
    map.on("moveend", refresh);
    followHash();
    refresh();
  }

  return { start: start, escape: esc };
})();
