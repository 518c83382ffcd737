// Draws the risk map (风险图) with Leaflet, without a tile server: grid-cell polygons, open risk
// points (at their own position or spread around their cell's centre) coloured by level, and
// the links between them as lines coloured by kind. A tile URL (MAP_TILE_URL) is optional.
(function () {
  "use strict";
  var LEVEL_COLOURS = { red: "#dc3545", orange: "#fd7e14", yellow: "#e0b000", blue: "#0d6efd" };
  var LINK_COLOURS = { may_trigger: "#6f42c1", aggravates: "#d63384", shared_party: "#198754" };

  function ringCentre(boundary) {
    var ring = boundary && boundary.coordinates && boundary.coordinates[0];
    if (!ring || !ring.length) return null;
    var lat = 0, lng = 0, n = ring.length > 1 ? ring.length - 1 : 1;
    for (var i = 0; i < n; i++) { lng += ring[i][0]; lat += ring[i][1]; }
    return [lat / n, lng / n];
  }

  function popup(point, detailUrl) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = detailUrl.replace(/0\/$/, point.id + "/");
    link.textContent = "#" + point.id + " " + point.title;
    box.appendChild(link);
    var score = document.createElement("div");
    score.textContent = point.score;
    box.appendChild(score);
    return box;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("risk-map");
    if (!element || typeof L === "undefined") return;
    var data = JSON.parse(document.getElementById(element.dataset.source).textContent);
    var map = L.map(element, { attributionControl: false, scrollWheelZoom: false });
    if (element.dataset.tileUrl) L.tileLayer(element.dataset.tileUrl, { maxZoom: 19 }).addTo(map);

    var centres = {};
    var cellLayer = L.featureGroup().addTo(map);
    data.cells.forEach(function (cell) {
      if (!cell.boundary) return;
      L.geoJSON(cell.boundary, { style: { color: "#6c757d", weight: 1, fillOpacity: 0.05 } })
        .bindTooltip(cell.name + " (" + cell.code + ")")
        .addTo(cellLayer);
      centres[cell.id] = ringCentre(cell.boundary);
    });

    // Points without a position are spread on a small spiral around their cell's centre.
    var perCell = {};
    var positions = {};
    var pointLayer = L.featureGroup();
    data.points.forEach(function (point) {
      var at = null;
      if (point.lat !== null && point.lng !== null) {
        at = [point.lat, point.lng];
      } else if (centres[point.cell]) {
        var k = perCell[point.cell] = (perCell[point.cell] || 0) + 1;
        var angle = k * 2.4, radius = 0.0004 * Math.sqrt(k);
        at = [centres[point.cell][0] + radius * Math.sin(angle), centres[point.cell][1] + radius * Math.cos(angle)];
      }
      if (!at) return;
      positions[point.id] = at;
      L.circleMarker(at, {
        radius: 6, color: "#212529", weight: 1, fillOpacity: 0.9,
        fillColor: LEVEL_COLOURS[point.level] || "#6c757d"
      }).bindPopup(popup(point, data.detail_url)).addTo(pointLayer);
    });

    var linkLayer = L.featureGroup().addTo(map);
    data.links.forEach(function (link) {
      var from = positions[link.source], to = positions[link.target];
      if (!from || !to) return;
      L.polyline([from, to], {
        color: LINK_COLOURS[link.kind] || "#495057",
        weight: 1 + 3 * link.strength,
        opacity: 0.8,
        dashArray: link.kind === "shared_party" ? "4 4" : null
      }).addTo(linkLayer);
    });
    pointLayer.addTo(map);

    var bounds = cellLayer.getBounds();
    if (pointLayer.getLayers().length) bounds.extend(pointLayer.getBounds());
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [12, 12] });
    } else {
      map.setView([22.54, 114.05], 11);
    }
  });
})();
