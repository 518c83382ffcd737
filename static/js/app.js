// Portal behaviour. Loaded as a file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  function enhance(root) {
    // Selects marked data-autosubmit submit their form on change (the language switch).
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      if (select.dataset.enhanced) return;
      select.dataset.enhanced = "1";
      select.addEventListener("change", function () {
        select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
      });
    });
    // Buttons only needed without JavaScript.
    root.querySelectorAll(".js-hide").forEach(function (element) {
      element.hidden = true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(event.target);
  });
  // Django's CSRF token for htmx requests (the cookie is HttpOnly, so read it from the page).
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) event.detail.headers["X-CSRFToken"] = token.value;
  });
})();
