// Dispute pages: parties picked from the htmx resident search on the registration form and on
// the case page, extra rows for people outside the registry. Loaded as a file: the
// Content-Security-Policy allows no inline script. Without JavaScript the forms still post.
(function () {
  "use strict";

  function setupCaseForm(form) {
    var list = document.getElementById("resident-parties");
    var residentTemplate = document.getElementById("resident-party-template");
    var outsideTemplate = document.getElementById("outside-party-template");
    var outside = document.getElementById("outside-parties");
    var addOutside = form.querySelector("[data-add-outside]");

    function addResident(id, label) {
      if (list.querySelector('[data-party-resident="' + id + '"]')) return;
      var item = residentTemplate.content.firstElementChild.cloneNode(true);
      item.dataset.partyResident = id;
      item.querySelector('input[name="party_resident"]').value = id;
      item.querySelector("[data-party-label]").textContent = label;
      var role = item.querySelector("select");
      // The first party is usually the applicant, the second the respondent.
      var count = list.querySelectorAll("[data-party-resident]").length;
      role.value = count === 0 ? "applicant" : count === 1 ? "respondent" : "other";
      list.appendChild(item);
    }

    form.addEventListener("click", function (event) {
      var pick = event.target.closest("[data-pick-resident]");
      if (pick) {
        addResident(pick.dataset.pickResident, pick.dataset.label);
        return;
      }
      var remove = event.target.closest("[data-remove-party]");
      if (remove) {
        var item = remove.closest("[data-party-resident]");
        if (item) item.remove();
      }
    });

    if (addOutside && outsideTemplate) {
      addOutside.hidden = false;
      addOutside.addEventListener("click", function () {
        var row = outsideTemplate.content.firstElementChild.cloneNode(true);
        outside.appendChild(row);
        row.querySelector("input").focus();
      });
    }

    // Another grid cell: the residents picked belong to the old one.
    var cell = form.querySelector("[data-cell-select]");
    if (cell) {
      cell.addEventListener("change", function () {
        list.innerHTML = "";
        var search = document.getElementById("resident-search");
        search.value = "";
        document.getElementById("resident-results").innerHTML = "";
      });
    }
  }

  function setupPartyAdd(form) {
    var input = form.querySelector("[data-party-resident-input]");
    var picked = form.querySelector("[data-party-picked]");
    form.addEventListener("click", function (event) {
      var pick = event.target.closest("[data-pick-resident]");
      if (!pick) return;
      input.value = pick.dataset.pickResident;
      picked.textContent = pick.dataset.label;
      picked.hidden = false;
      form.querySelector('input[name="name"]').value = "";
    });
    form.querySelector('input[name="name"]').addEventListener("input", function () {
      input.value = "";
      picked.hidden = true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("case-form");
    if (form) setupCaseForm(form);
    var partyAdd = document.getElementById("party-add-form");
    if (partyAdd) setupPartyAdd(partyAdd);
  });
})();
