/* Submit page enhancements. The form works without any of this: every part here only adds
   convenience (category filter, village list, map pin, attachment preview) and fails quietly. */
(function () {
  "use strict";

  var form = document.getElementById("submit-form");
  if (!form) { return; }
  form.querySelectorAll(".js-only").forEach(function (element) { element.hidden = false; });

  /* --- Category filter: hides the options that do not contain the typed words. --- */
  var filter = document.getElementById("category-filter");
  if (filter) {
    var select = document.getElementById(filter.getAttribute("data-filter-select"));
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      if (!select) { return; }
      select.querySelectorAll("option").forEach(function (option) {
        if (!option.value) { return; } // keep the empty choice
        var text = (option.textContent + " " + (option.parentElement.label || "")).toLowerCase();
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        option.hidden = !match;
        option.disabled = !match && !option.selected;
      });
      select.querySelectorAll("optgroup").forEach(function (group) {
        var visible = Array.prototype.some.call(group.children, function (option) { return !option.hidden; });
        group.hidden = !visible;
      });
    });
  }

  /* --- Region picker: a new regency empties the village list (htmx reloads the districts). --- */
  form.querySelectorAll("[data-resets]").forEach(function (trigger) {
    trigger.addEventListener("change", function () {
      var target = document.getElementById(trigger.getAttribute("data-resets"));
      if (!target) { return; }
      while (target.options.length > 1) { target.remove(1); }
      target.selectedIndex = 0;
    });
  });

  /* --- Attachments: thumbnails or names, and a hint when a file will be refused. --- */
  var input = form.querySelector("[data-attachment-preview]");
  var preview = document.getElementById("attachment-preview");
  var texts = (preview && preview.dataset) || {};
  if (input && preview) {
    var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10) || 0;
    var accepted = (input.getAttribute("accept") || "").split(",").filter(Boolean);
    input.addEventListener("change", function () {
      preview.innerHTML = "";
      Array.prototype.forEach.call(input.files || [], function (file) {
        var item = document.createElement("li");
        if (file.type.indexOf("image/") === 0 && accepted.indexOf(file.type) !== -1 && window.URL) {
          var image = document.createElement("img");
          image.alt = "";
          image.src = URL.createObjectURL(file);
          image.addEventListener("load", function () { URL.revokeObjectURL(image.src); });
          item.appendChild(image);
        }
        var name = document.createElement("span");
        name.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
        item.appendChild(name);
        var problem = "";
        if (accepted.length && accepted.indexOf(file.type) === -1) {
          problem = texts.badType || "";
        } else if (maxBytes && file.size > maxBytes) {
          problem = texts.tooLarge || "";
        }
        if (problem) {
          var note = document.createElement("span");
          note.className = "attachment-problem";
          note.textContent = " " + problem;
          item.appendChild(note);
        }
        preview.appendChild(item);
      });
    });
  }

  /* --- Map pin (Leaflet). Without Leaflet, or if anything fails, the map stays hidden and the
     latitude/longitude fields remain. Tiles that cannot load leave a grey map that still
     takes a pin. --- */
  var mapElement = document.getElementById("report-map");
  var latInput = document.getElementById("id_latitude");
  var lngInput = document.getElementById("id_longitude");
  var status = document.getElementById("location-status");
  var mapField = mapElement ? mapElement.closest(".map-field") : null;
  var map = null;
  var marker = null;

  function say(message) { if (status) { status.textContent = message || ""; } }

  function setFields(lat, lng) {
    latInput.value = lat.toFixed(6);
    lngInput.value = lng.toFixed(6);
  }

  function placeMarker(lat, lng, zoom) {
    if (!map) { return; }
    var point = [lat, lng];
    if (marker) { marker.setLatLng(point); } else { marker = window.L.marker(point).addTo(map); }
    map.setView(point, zoom || Math.max(map.getZoom(), 15));
  }

  try {
    if (mapElement && window.L && latInput && lngInput) {
      var center = [
        parseFloat(mapElement.getAttribute("data-center-lat")) || 0,
        parseFloat(mapElement.getAttribute("data-center-lng")) || 0
      ];
      map = window.L.map(mapElement, { scrollWheelZoom: false }).setView(center, 8);
      var tiles = mapElement.getAttribute("data-tiles");
      if (tiles) {
        window.L.tileLayer(tiles, {
          maxZoom: 19,
          attribution: mapElement.getAttribute("data-attribution") || ""
        }).addTo(map);
      }
      map.on("click", function (event) {
        setFields(event.latlng.lat, event.latlng.lng);
        placeMarker(event.latlng.lat, event.latlng.lng, map.getZoom());
      });
      var syncFromFields = function () {
        var lat = parseFloat(latInput.value);
        var lng = parseFloat(lngInput.value);
        if (isFinite(lat) && isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) {
          placeMarker(lat, lng);
        }
      };
      latInput.addEventListener("change", syncFromFields);
      lngInput.addEventListener("change", syncFromFields);
      syncFromFields();
    } else if (mapField) {
      mapField.hidden = true;
    }
  } catch (error) {
    map = null;
    if (mapField) { mapField.hidden = true; }
  }

  var clearButton = document.getElementById("clear-location");
  if (clearButton) {
    clearButton.addEventListener("click", function () {
      latInput.value = "";
      lngInput.value = "";
      if (marker && map) { map.removeLayer(marker); marker = null; }
      say(clearButton.getAttribute("data-done") || "");
    });
  }

  var locate = document.getElementById("use-location");
  if (locate && navigator.geolocation && latInput && lngInput) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      say(locate.getAttribute("data-busy") || "");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          setFields(position.coords.latitude, position.coords.longitude);
          placeMarker(position.coords.latitude, position.coords.longitude, 16);
          say(locate.getAttribute("data-done") || "");
        },
        function () { say(locate.getAttribute("data-failed") || ""); },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }
}());
