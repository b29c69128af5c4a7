// Doorstep's embed, for a team's own pages: one script, then
//   <div data-doorstep="questionnaire"></div>   (or "book": the short path to booking a conversation)
//   <button data-doorstep-open="questionnaire">…</button>   (a pop-up, opened by any element)
// The frame gets this page's address, referrer and UTM tags, so the lead's first touch is this page. It resizes
// to its content and sends events, which the element holding it dispatches (they bubble to document):
// doorstep:step, doorstep:sent and doorstep:booked. Messages are taken from Doorstep's origin and that frame only.
// data-doorstep-lang="de" on the element shows it in that language (one the site ships); without it, the host
// page's own language (<html lang>) when the site ships it, else the visitor's, as the site's own pages do.
// Drawn by leads/embeds/views.py: the words below are the catalogs', in every shipped language.
(function () {
  "use strict";
  var WORDS = {{ words | tojson }};
  var DEFAULT = {{ default_language | tojson }};
  var script = document.currentScript;
  if (!script || window.doorstepEmbed) { return; }
  var origin = new URL(script.src).origin;
  var PATHS = { questionnaire: "/questionnaire", book: "/questionnaire/book" };
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
  var frames = [];

  function languageOf(element) {
    var named = ((element && element.getAttribute("data-doorstep-lang")) || document.documentElement.lang || "");
    var code = named.slice(0, 2).toLowerCase();
    return WORDS.hasOwnProperty(code) ? code : "";
  }

  function words(element) { return WORDS[languageOf(element) || DEFAULT]; }

  function frameUrl(kind, container) {
    var page = new URL(window.location.href);
    var lang = languageOf(container);
    var prefix = lang && lang !== DEFAULT ? "/" + lang : "";
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
    frame.title = container.getAttribute("data-doorstep-title") || words(container)[kind === "book" ? "book" : "questionnaire"];
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
    dialog.setAttribute("aria-label", words(opener)[kind === "book" ? "book" : "questionnaire"]);
    dialog.style.width = "min(720px, 96vw)";
    dialog.style.maxHeight = "92vh";
    dialog.style.padding = "0";
    dialog.style.border = "0";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = words(opener).close;
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
