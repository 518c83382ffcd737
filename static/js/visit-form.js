// The phone visit form: residents picked from the htmx search, location, and a draft kept in
// localStorage so that nothing typed is lost when the connection drops. A submission that
// fails for want of a network is retried (with the same client key, so the server never
// saves it twice) until it goes through; the draft is removed only when the saved-visit page
// confirms that key.
(function () {
  "use strict";

  var RETRY_DELAYS = [3000, 6000, 12000, 30000, 60000];

  function readDraft(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function writeDraft(key, draft) {
    try {
      window.localStorage.setItem(key, JSON.stringify(draft));
    } catch (error) {
      /* storage full or disabled: the form still works, only without a draft */
    }
  }

  function removeDraft(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (error) {
      /* ignore */
    }
  }

  // The saved-visit page: forget the draft that this visit came from.
  function confirmSaved() {
    var saved = document.querySelector("[data-visit-saved]");
    if (!saved) return;
    var key = saved.dataset.draftKey;
    var draft = readDraft(key);
    if (draft && (!draft.client_key || draft.client_key === saved.dataset.clientKey)) {
      removeDraft(key);
    }
  }

  function setupForm(form) {
    var key = form.dataset.draftKey;
    var chosen = document.getElementById("residents-chosen");
    var offline = document.getElementById("visit-offline");
    var restored = document.getElementById("visit-draft-restored");
    var submit = document.getElementById("visit-submit");
    var attempt = 0;
    var retryTimer = null;
    var sending = false;

    function field(name) {
      return form.elements.namedItem(name);
    }

    function addResident(id, label) {
      if (chosen.querySelector('[data-resident-chip="' + id + '"]')) return;
      var chip = document.createElement("span");
      chip.className = "badge text-bg-primary resident-chip";
      chip.dataset.residentChip = id;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "residents_met";
      input.value = id;
      chip.appendChild(input);
      chip.appendChild(document.createTextNode(label));
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn-close btn-close-white ms-1";
      remove.dataset.removeResident = id;
      remove.setAttribute("aria-label", form.dataset.removeLabel || "Remove");
      chip.appendChild(remove);
      chosen.appendChild(chip);
    }

    function collect() {
      var draft = { saved_at: new Date().toISOString(), fields: {}, residents: [] };
      Array.prototype.forEach.call(form.elements, function (element) {
        if (!element.name || element.type === "file" || element.name === "csrfmiddlewaretoken") return;
        if (element.name === "residents_met" || element.name === "q") return;
        if ((element.type === "radio" || element.type === "checkbox") && !element.checked) return;
        var values = draft.fields[element.name] || [];
        values.push(element.value);
        draft.fields[element.name] = values;
      });
      chosen.querySelectorAll("[data-resident-chip]").forEach(function (chip) {
        draft.residents.push({ id: chip.dataset.residentChip, label: chip.textContent.trim() });
      });
      draft.client_key = (draft.fields.client_key || [""])[0];
      return draft;
    }

    function save() {
      writeDraft(key, collect());
    }

    function restore(draft) {
      Object.keys(draft.fields).forEach(function (name) {
        var values = draft.fields[name];
        var elements = form.querySelectorAll('[name="' + name + '"]');
        elements.forEach(function (element) {
          if (element.type === "radio" || element.type === "checkbox") {
            element.checked = values.indexOf(element.value) !== -1;
          } else if (element.tagName === "SELECT") {
            if (element.querySelector('option[value="' + CSS.escape(values[0]) + '"]')) {
              element.value = values[0];
            }
          } else {
            element.value = values[0];
          }
        });
      });
      chosen.innerHTML = "";
      (draft.residents || []).forEach(function (resident) {
        addResident(resident.id, resident.label);
      });
      restored.hidden = false;
    }

    // A fresh form restores the unsent draft of the same grid cell (or any, when no cell was
    // asked for). A form the server sent back with errors is newer than the draft.
    var draft = readDraft(key);
    if (form.dataset.bound === "1") {
      save();
    } else if (draft && draft.fields) {
      var draftCell = (draft.fields.grid_cell || [""])[0];
      var askedCell = new URLSearchParams(window.location.search).get("cell");
      if (!askedCell || askedCell === draftCell) restore(draft);
    }

    form.addEventListener("input", save);
    form.addEventListener("change", save);

    document.getElementById("visit-draft-discard").addEventListener("click", function () {
      removeDraft(key);
      window.location.reload();
    });

    form.addEventListener("click", function (event) {
      var pick = event.target.closest("[data-pick-resident]");
      if (pick) {
        addResident(pick.dataset.pickResident, pick.dataset.label);
        save();
        return;
      }
      var remove = event.target.closest("[data-remove-resident]");
      if (remove) {
        var chip = chosen.querySelector('[data-resident-chip="' + remove.dataset.removeResident + '"]');
        if (chip) chip.remove();
        save();
      }
    });

    // Another grid cell: the residents picked belong to the old one.
    field("grid_cell").addEventListener("change", function () {
      chosen.innerHTML = "";
      var search = document.getElementById("resident-search");
      search.value = "";
      if (window.htmx) window.htmx.trigger(search, "search");
      save();
    });

    document.getElementById("visit-locate").addEventListener("click", function () {
      var status = document.getElementById("visit-location-status");
      if (!navigator.geolocation) {
        status.textContent = form.dataset.locateFailed;
        return;
      }
      status.textContent = form.dataset.locating;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          field("latitude").value = position.coords.latitude.toFixed(6);
          field("longitude").value = position.coords.longitude.toFixed(6);
          field("location_accuracy_m").value = Math.round(position.coords.accuracy);
          status.textContent = form.dataset.located + " " + Math.round(position.coords.accuracy);
          save();
        },
        function () {
          status.textContent = form.dataset.locateFailed;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });

    function scheduleRetry() {
      offline.hidden = false;
      window.clearTimeout(retryTimer);
      var delay = RETRY_DELAYS[Math.min(attempt, RETRY_DELAYS.length - 1)];
      attempt += 1;
      retryTimer = window.setTimeout(send, delay);
    }

    function send() {
      if (sending) return;
      sending = true;
      window.clearTimeout(retryTimer);
      save();
      submit.disabled = true;
      var label = submit.textContent;
      submit.textContent = form.dataset.sending;
      window
        .fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { "X-Visit-Form": "1" },
        })
        .then(function (response) {
          sending = false;
          if (response.redirected && response.ok) {
            window.location.assign(response.url);
            return;
          }
          // The server answered (errors to show, or a new login needed): let the browser
          // post the form itself so the page shows the answer. The same client key makes
          // this second post safe.
          submit.textContent = label;
          form.dataset.native = "1";
          form.submit();
        })
        .catch(function () {
          sending = false;
          submit.disabled = false;
          submit.textContent = label;
          scheduleRetry();
        });
    }

    form.addEventListener("submit", function (event) {
      if (form.dataset.native === "1") return;
      event.preventDefault();
      if (!form.reportValidity()) return;
      attempt = 0;
      send();
    });

    document.getElementById("visit-retry").addEventListener("click", function () {
      attempt = 0;
      send();
    });
    window.addEventListener("online", function () {
      if (!offline.hidden) {
        attempt = 0;
        send();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    confirmSaved();
    var form = document.getElementById("visit-form");
    if (form) setupForm(form);
  });
})();
