// The small maps of the places pages: a co-location cluster's members (each in its body's
// colour, the one that could close ringed) inside the cluster's outline. The data come from
// the page's JSON block (#cluster-data); every text from the register is set with
// textContent, never as HTML.
(function () {
  "use strict";
  var block = document.getElementById("cluster-data");
  var element = document.getElementById("cluster-map");
  if (!block || !element || !window.L) { return; }
  var data = JSON.parse(block.textContent);
  var map = L.map(element, { maxZoom: 19 });
  window.placesMap = map;
  if (data.tiles && data.tiles.url) {
    L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 19 }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);
  var outline = L.geoJSON(data.outline, {
    interactive: false,
    style: { color: "#e66101", weight: 2, dashArray: "5 4", fillOpacity: 0.06 }
  }).addTo(map);
  var points = L.featureGroup().addTo(map);
  data.points.forEach(function (p) {
    if (!isFinite(p.lat) || !isFinite(p.lon)) { return; }
    var marker = L.circleMarker([p.lat, p.lon], {
      radius: p.leaving ? 10 : 8, color: p.leaving ? "#b2182b" : "#222", weight: p.leaving ? 3 : 1,
      fillColor: p.colour, fillOpacity: 0.9
    });
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = p.href;
    link.textContent = p.name;
    var who = document.createElement("div");
    who.textContent = p.body + (p.leaving ? " · could close" : "");
    box.appendChild(link);
    box.appendChild(who);
    marker.bindPopup(box);
    var tip = document.createElement("span");
    tip.textContent = p.name;
    marker.bindTooltip(tip);
    marker.addTo(points);
  });
  var bounds = outline.getBounds();
  if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 18 }); }
  else if (points.getLayers().length) { map.fitBounds(points.getBounds(), { maxZoom: 18 }); }
  else { map.setView([53.43, -2.35], 12); }
  window.placesMapReady = true;
})();
