// The register's risk map (Leaflet): grid cell polygons coloured by level. Works without a
// tile server; a tile URL (MAP_TILE_URL) is drawn underneath when configured.
(function () {
  "use strict";
  var COLOURS = { red: "#dc3545", orange: "#fd7e14", yellow: "#ffc107", blue: "#0d6efd" };
  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("register-map");
    if (!element || typeof L === "undefined") return;
    var map = L.map(element, { attributionControl: false, scrollWheelZoom: false, preferCanvas: true });
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    }
    map.setView([22.55, 114.05], 11);
    fetch(element.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (collection) {
        if (!collection.features.length) return;
        var layer = L.geoJSON(collection, {
          style: function (feature) {
            var colour = COLOURS[feature.properties.level] || "#6c757d";
            return { color: colour, weight: 1, fillColor: colour, fillOpacity: 0.45 };
          },
          onEachFeature: function (feature, polygon) {
            var p = feature.properties;
            var link = document.createElement("a");
            link.href = element.dataset.cellUrl.replace("CODE", encodeURIComponent(p.code));
            link.textContent = p.name + " (" + p.code + "): " + p.score;
            polygon.bindPopup(link);
          }
        }).addTo(map);
        map.fitBounds(layer.getBounds(), { padding: [8, 8] });
        element.dataset.loaded = String(collection.features.length);
      });
  });
})();
