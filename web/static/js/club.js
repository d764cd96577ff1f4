// The property club's maps: needs (red, with their radius), offers (blue), and the lines
// from a need to what could meet it (offers blue, surplus sites green, spare space purple).
// The data come from the page's JSON block (#club-data); every text from the register is
// set with textContent, never as HTML.
(function () {
  "use strict";
  var block = document.getElementById("club-data");
  var element = document.getElementById("club-map");
  if (!block || !element || !window.L) { return; }
  var config = JSON.parse(block.textContent);
  var COLOURS = { need: "#d7301f", offer: "#005eb8", surplus: "#1b7837", spare: "#6a3d9a" };
  var SOURCES = { offer: "Offer", surplus: "Surplus asset", spare: "Spare space" };
  // Bodies by name and statuses in words; the data keep their codes.
  var words = config.words || { bodies: {}, status: {} };
  function bodyName(code) { return words.bodies[code] || code; }
  function statusWord(code) { return words.status[code] || code; }

  // A view first: circles measure their radius against the map's projection when added.
  var map = L.map(element, { maxZoom: 19 }).setView([53.43, -2.35], 12);
  window.clubMap = map;
  if (config.tiles && config.tiles.url) {
    L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);
  var drawn = L.featureGroup().addTo(map);

  function metres(value) {
    return value === null || value === undefined ? "" : Math.round(value).toLocaleString("en-GB");
  }

  // An ISO date ("2027-06-01") as a person reads it: "1 Jun 2027".
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function day(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value || "");
    return m ? Number(m[3]) + " " + MONTHS[Number(m[2]) - 1] + " " + m[1] : (value || "");
  }

  // A popup as DOM nodes: a heading (a link when there is a page) and label/value rows.
  function popup(title, href, rows) {
    var box = document.createElement("div");
    var heading = document.createElement("strong");
    if (href) {
      var link = document.createElement("a");
      link.href = href;
      link.textContent = title || "(no name shared)";
      heading.appendChild(link);
    } else {
      heading.textContent = title || "(no name shared)";
    }
    box.appendChild(heading);
    rows.forEach(function (row) {
      if (row[1] === null || row[1] === undefined || row[1] === "") { return; }
      var line = document.createElement("div");
      line.textContent = row[0] + ": " + row[1];
      box.appendChild(line);
    });
    return box;
  }

  function point(coordinates) { return [coordinates[1], coordinates[0]]; }

  function addNeed(feature, withLink) {
    var p = feature.properties;
    var where = point(feature.geometry.coordinates);
    L.circle(where, {
      radius: p.radius_m, color: COLOURS.need, weight: 1, dashArray: "4 4", fillOpacity: 0.05,
      interactive: false
    }).addTo(drawn);
    L.circleMarker(where, { radius: 7, color: "#fff", weight: 2, fillColor: COLOURS.need, fillOpacity: 1 })
      .bindPopup(popup(p.title, withLink ? config.links.need + p.id : null, [
        ["Body", bodyName(p.body)], ["At least (m²)", metres(p.min_m2)], ["Within (m)", metres(p.radius_m)],
        ["Needed by", day(p.needed_by)], ["Status", statusWord(p.status)]
      ]))
      .addTo(drawn);
  }

  function addOffer(feature, withLink) {
    var p = feature.properties;
    L.circleMarker(point(feature.geometry.coordinates), {
      radius: 7, color: "#fff", weight: 2, fillColor: COLOURS.offer, fillOpacity: 1
    }).bindPopup(popup(p.title, withLink ? config.links.offer + p.id : null, [
      ["Body", bodyName(p.body)], ["Area (m²)", metres(p.area_m2)], ["Available from", day(p.available_from)],
      ["Until", day(p.available_until)], ["Status", statusWord(p.status)]
    ])).addTo(drawn);
  }

  // A need's match: a line from the need to it, and its end as a dot.
  function addMatch(feature) {
    var p = feature.properties;
    var line = feature.geometry.coordinates.map(point);
    var colour = COLOURS[p.source] || COLOURS.offer;
    L.polyline(line, { color: colour, weight: 2, opacity: 0.8, interactive: false }).addTo(drawn);
    var href = p.offer_id ? config.links.offer + p.offer_id : config.links.asset + p.asset_id;
    L.circleMarker(line[line.length - 1], {
      radius: 6, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1
    }).bindPopup(popup(p.title, href, [
      ["Source", SOURCES[p.source]], ["Body", bodyName(p.body)], ["Area (m²)", metres(p.area_m2)],
      ["Distance (m)", metres(p.distance_m)], ["Available from", day(p.available_from)]
    ])).addTo(drawn);
  }

  // An offer's match: a line from the offer to a need it could meet, the need with its radius.
  function addNeedOfOffer(feature) {
    var p = feature.properties;
    var line = feature.geometry.coordinates.map(point);
    L.polyline(line, { color: COLOURS.need, weight: 2, opacity: 0.8, interactive: false }).addTo(drawn);
    addNeed({
      geometry: { coordinates: feature.geometry.coordinates[line.length - 1] },
      properties: {
        id: p.need_id, title: p.title, body: p.body, min_m2: p.min_m2, radius_m: p.radius_m,
        needed_by: p.needed_by
      }
    }, true);
  }

  function each(collection, draw) {
    ((collection && collection.features) || []).forEach(draw);
  }

  if (config.mode === "index") {
    each(config.needs, function (f) { addNeed(f, true); });
    each(config.offers, function (f) { addOffer(f, true); });
  } else if (config.mode === "need") {
    each(config.matches, function (f) {
      if (f.properties.kind === "need") { addNeed(f, false); } else { addMatch(f); }
    });
  } else if (config.mode === "offer") {
    each(config.matches, function (f) {
      if (f.properties.kind === "offer") { addOffer(f, false); } else { addNeedOfOffer(f); }
    });
  }

  var fitted = false;
  if (drawn.getLayers().length) {
    // Never closer than a neighbourhood: one point alone would fill the map with nothing.
    map.fitBounds(drawn.getBounds(), { padding: [24, 24], maxZoom: 14 });
    fitted = true;
  }

  // The locality's boundary, for bearings when there is no basemap.
  if (config.boundary && window.fetch) {
    fetch(config.boundary, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.features || !data.features.length) { return; }
        var outline = L.geoJSON(data, {
          style: { color: "#555", weight: 1.5, fill: false }, interactive: false
        }).addTo(map);
        outline.bringToBack();
        if (!fitted) { map.fitBounds(outline.getBounds()); }
      })
      .catch(function () { /* the map works without it */ });
  }
})();
