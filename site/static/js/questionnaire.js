// Progressive enhancement: a Copy button for the continue-later link (and the studio's embed snippets).
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
        var copied = event.currentTarget.getAttribute("data-copied") || "Link copied.";
        navigator.clipboard.writeText(field.value).then(function () {
          if (status) { status.textContent = copied; }
        }, function () {
          field.select();
          if (status) { status.textContent = "Select the link and copy it."; }
        });
      });
    }
  });
})();
