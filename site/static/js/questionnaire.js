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
        // The page gives the words, in its language: data-copied and data-copy-failed.
        var copied = event.currentTarget.getAttribute("data-copied") || "Link copied.";
        var failed = event.currentTarget.getAttribute("data-copy-failed") || "Select the link and copy it.";
        navigator.clipboard.writeText(field.value).then(function () {
          if (status) { status.textContent = copied; }
        }, function () {
          field.select();
          if (status) { status.textContent = failed; }
        });
      });
    }
  });
})();
