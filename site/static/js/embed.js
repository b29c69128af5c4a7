// Doorstep's embed, for a team's own pages: one script, then
//   <div data-doorstep="questionnaire"></div>   (or "book": the short path to booking a conversation)
//   <button data-doorstep-open="questionnaire">…</button>   (a pop-up, opened by any element)
// The frame gets this page's address, referrer and UTM tags, so the lead's first touch is this page. It resizes
// to its content and sends events, which the element holding it dispatches (they bubble to document):
// doorstep:step, doorstep:sent and doorstep:booked. Messages are taken from Doorstep's origin and that frame only.
// data-doorstep-lang="de" on the element shows it in that language (one the site ships); without it, the frame
// speaks the visitor's language as the site's own pages do.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.doorstepEmbed) { return; }
  var origin = new URL(script.src).origin;
  var PATHS = { questionnaire: "/questionnaire", book: "/questionnaire/book" };
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
  var frames = [];

  function frameUrl(kind, container) {
    var page = new URL(window.location.href);
    var lang = (container.getAttribute("data-doorstep-lang") || "").toLowerCase();
    var prefix = /^[a-z]{2}$/.test(lang) ? "/" + lang : "";
    var url = new URL(prefix + (PATHS[kind] || PATHS.questionnaire), origin);
    page.hash = "";
    url.searchParams.set("host", page.href.slice(0, 500));
    if (document.referrer) { url.searchParams.set("ref", document.referrer.slice(0, 500)); }
    UTM.forEach(function (key) {
      var value = page.searchParams.get(key);
      if (value) { url.searchParams.set(key, value.slice(0, 100)); }
    });
    return url.href;
  }

  function place(kind, container) {
    var frame = document.createElement("iframe");
    frame.src = frameUrl(kind, container);
    frame.title = container.getAttribute("data-doorstep-title") || (kind === "book" ? "Book a conversation" : "Questionnaire");
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.height = "640px";
    frame.addEventListener("load", function () {
      frame.contentWindow.postMessage({ type: "doorstep:measure" }, origin);
    });
    container.appendChild(frame);
    frames.push({ frame: frame, container: container });
    return frame;
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin) { return; }
    var found = null;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].frame.contentWindow === event.source) { found = frames[i]; }
    }
    var data = event.data;
    if (!found || !data || typeof data.type !== "string" || data.type.indexOf("doorstep:") !== 0) { return; }
    if (data.type === "doorstep:resize") {
      var height = Number(data.height);
      if (height > 0) { found.frame.style.height = Math.min(Math.max(height, 200), 20000) + "px"; }
      return;
    }
    found.container.dispatchEvent(new CustomEvent(data.type, { detail: data, bubbles: true }));
  });

  function popup(kind, opener) {
    var dialog = document.createElement("dialog");
    dialog.setAttribute("data-doorstep-lang", opener.getAttribute("data-doorstep-lang") || "");
    dialog.setAttribute("aria-label", kind === "book" ? "Book a conversation" : "Questionnaire");
    dialog.style.width = "min(720px, 96vw)";
    dialog.style.maxHeight = "92vh";
    dialog.style.padding = "0";
    dialog.style.border = "0";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    close.style.float = "right";
    close.style.margin = "8px";
    close.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { dialog.remove(); });
    dialog.appendChild(close);
    document.body.appendChild(dialog);
    place(kind, dialog);
    dialog.showModal();
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-doorstep-open]");
    if (!opener) { return; }
    event.preventDefault();
    popup(opener.getAttribute("data-doorstep-open"), opener);
  });

  function start() {
    var containers = document.querySelectorAll("[data-doorstep]");
    for (var i = 0; i < containers.length; i++) {
      if (!containers[i].querySelector("iframe")) { place(containers[i].getAttribute("data-doorstep"), containers[i]); }
    }
  }
  window.doorstepEmbed = { origin: origin, start: start };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
