// The public concern form: focus the error summary, and an optional map pin (Leaflet without
// a tile server; the chosen community's grid cells are drawn from their boundaries).
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }

  function setupMap() {
    var wrap = document.getElementById("concern-map-wrap");
    var element = document.getElementById("concern-map");
    var community = document.getElementById("id_community");
    if (!wrap || !element || !community || typeof L === "undefined") return;
    var latitude = document.getElementById("id_latitude");
    var longitude = document.getElementById("id_longitude");
    var status = document.getElementById("concern-pin-status");
    var clear = document.getElementById("concern-pin-clear");
    var map = null, cellsLayer = null, marker = null;

    function showStatus() {
      var pinned = latitude.value && longitude.value;
      status.textContent = pinned ? status.dataset.pinnedText : status.dataset.unpinnedText;
      clear.hidden = !pinned;
    }

    function placePin(latlng) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.circleMarker(latlng, { radius: 9, color: "#b02a37", weight: 3, fillOpacity: 0.6 }).addTo(map);
      latitude.value = latlng.lat.toFixed(6);
      longitude.value = latlng.lng.toFixed(6);
      showStatus();
    }

    function removePin() {
      if (marker) { map.removeLayer(marker); marker = null; }
      latitude.value = "";
      longitude.value = "";
      showStatus();
    }

    function loadCells() {
      if (!community.value) { wrap.hidden = true; return; }
      var url = element.dataset.cellsUrl.replace("/0.geojson", "/" + encodeURIComponent(community.value) + ".geojson");
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || !data.features.length) { wrap.hidden = true; return; }
          wrap.hidden = false;
          if (!map) {
            map = L.map(element, { attributionControl: false, scrollWheelZoom: false });
            if (element.dataset.tileUrl) L.tileLayer(element.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
            map.on("click", function (event) { placePin(event.latlng); });
          }
          if (cellsLayer) map.removeLayer(cellsLayer);
          cellsLayer = L.geoJSON(data, {
            style: { color: "#0d6efd", weight: 2, fillOpacity: 0.1 },
            onEachFeature: function (feature, layer) {
              layer.bindTooltip(feature.properties.name);
              layer.on("click", function (event) { placePin(event.latlng); });
            },
          }).addTo(map);
          map.invalidateSize();
          map.fitBounds(cellsLayer.getBounds(), { padding: [8, 8] });
          if (latitude.value && longitude.value) placePin(L.latLng(+latitude.value, +longitude.value));
        })
        .catch(function () { wrap.hidden = true; });
    }

    clear.addEventListener("click", removePin);
    community.addEventListener("change", function () { removePin(); loadCells(); });
    showStatus();
    loadCells();
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    setupMap();
  });
})();
