// Progressive enhancement for the questionnaire: a Copy button for the continue-later link.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var buttons = document.querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      var button = buttons[i];
      if (!navigator.clipboard) { continue; }
      button.hidden = false;
      button.addEventListener("click", function (event) {
        var field = document.querySelector(event.currentTarget.getAttribute("data-copy"));
        var status = document.querySelector(".copy-status");
        navigator.clipboard.writeText(field.value).then(function () {
          if (status) { status.textContent = "Link copied."; }
        }, function () {
          field.select();
          if (status) { status.textContent = "Select the link and copy it."; }
        });
      });
    }
  });
})();
