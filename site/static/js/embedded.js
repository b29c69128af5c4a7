// Inside a frame on an allowed site (the embed): tell the host page this page's height and what happened (a step
// reached, the answers sent, a meeting booked), only ever to the host's origin; listen to that origin alone.
(function () {
  "use strict";
  var origin = document.documentElement.getAttribute("data-embed-origin");
  if (!origin || window.parent === window) { return; }

  function post(message) { window.parent.postMessage(message, origin); }

  function height() { return Math.ceil(document.documentElement.scrollHeight); }

  var last = 0;
  function resize() {
    var now = height();
    if (now !== last) { last = now; post({ type: "doorstep:resize", height: now }); }
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== window.parent) { return; }
    var data = event.data || {};
    if (data.type === "doorstep:measure") { last = 0; resize(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Pages that are not part of the walk (an article, the privacy notice) open beside the host page.
    var links = document.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i++) {
      var path = (links[i].pathname || "").replace(/^\/[a-z]{2}(?=\/)/, "");  // the walk in any language
      if (path.indexOf("/questionnaire") !== 0 && path.indexOf("/book") !== 0) {
        links[i].target = "_blank";
        links[i].rel = "noopener";
      }
    }
    var meta = document.querySelector('meta[name="doorstep-event"]');
    var text = meta ? meta.getAttribute("content") : "";
    if (text) {
      try { post(JSON.parse(text)); } catch (error) { /* an unreadable event is not sent */ }
    }
    resize();
    if (window.ResizeObserver) { new ResizeObserver(resize).observe(document.body); }
    window.addEventListener("load", resize);
  });
})();
