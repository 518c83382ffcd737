// Draws a grid cell's boundary with Leaflet. Works without a tile server; a tile URL can be
// configured (MAP_TILE_URL) and is then drawn underneath.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("cell-map");
    if (!element || typeof L === "undefined") return;
    var boundary = JSON.parse(document.getElementById(element.dataset.boundaryId).textContent);
    var map = L.map(element, { attributionControl: false, zoomControl: true, scrollWheelZoom: false });
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    }
    var layer = L.geoJSON(boundary, { style: { color: "#0d6efd", weight: 2, fillOpacity: 0.15 } }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [12, 12] });
  });
})();
