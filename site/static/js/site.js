// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Show <time data-local> in the reader's own time zone and language.
  function localiseTimes() {
    var nodes = document.querySelectorAll("time[data-local]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var when = new Date(node.getAttribute("datetime"));
      if (isNaN(when.getTime())) { continue; }
      var options = node.getAttribute("data-local") === "date"
        ? { dateStyle: "long" }
        : { dateStyle: "medium", timeStyle: "short" };
      node.textContent = new Intl.DateTimeFormat(undefined, options).format(when);
      node.title = when.toString();
    }
  }

  // Move focus to the error summary so screen readers announce it at once.
  function focusErrors() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    localiseTimes();
    focusErrors();
  });
})();
