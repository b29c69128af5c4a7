// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary so screen readers announce it at once.
  function focusErrors() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  // Tell the server which public page was read, so a later questionnaire can count it. The page
  // itself stays cacheable; only this beacon's answer sets the first-party visit cookie.
  function countVisit() {
    var url = document.body.getAttribute("data-visit");
    if (!url || !window.fetch || !window.URLSearchParams) { return; }
    if (navigator.globalPrivacyControl === true || navigator.doNotTrack === "1") { return; }
    var body = new URLSearchParams();
    body.set("page", location.pathname + location.search);
    body.set("referrer", document.referrer || "");
    fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: true })
      .catch(function () { /* reading history is a nicety; never bother the reader */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrors();
    countVisit();
  });
})();
