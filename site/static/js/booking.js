// Progressive enhancement: show the times in the browser's own time zone. Without this file the
// time-zone select still works; the prospect can always change it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-timezone]");
  if (!form || !window.Intl || !window.URLSearchParams) { return; }
  var select = form.querySelector("select[name=tz]");
  var params = new URLSearchParams(window.location.search);
  if (!select || params.has("tz")) { return; }  // a zone chosen by hand (or detected once) stays
  var detected;
  try { detected = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!detected || detected === select.value) { return; }
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === detected) {
      select.value = detected;
      params.set("tz", detected);
      window.location.replace(window.location.pathname + "?" + params.toString() + window.location.hash);
      return;
    }
  }
})();
