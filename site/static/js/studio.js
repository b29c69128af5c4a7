// The model editor: checks the draft as the marketer types and lists problems as "line: message".
// Progressive enhancement only: without it, saving the draft shows the same problems.
(function () {
  "use strict";

  function setup() {
    var source = document.querySelector("textarea[data-check]");
    var out = document.getElementById("model-problems");
    var token = document.querySelector("input[name=csrf_token]");
    if (!source || !out || !token || !window.fetch) { return; }
    var timer = null;
    var asked = 0;

    function show(problems, summary) {
      out.textContent = "";
      var heading = document.createElement("p");
      // The server words the count in the reader's language; the English is for an answer without it.
      heading.textContent = summary || (problems.length
        ? (problems.length === 1 ? "1 problem:" : problems.length + " problems:")
        : "No problems: the draft loads.");
      out.appendChild(heading);
      if (!problems.length) { return; }
      var list = document.createElement("ul");
      problems.slice(0, 20).forEach(function (problem) {
        var item = document.createElement("li");
        item.textContent = problem;
        list.appendChild(item);
      });
      out.appendChild(list);
    }

    function check() {
      var mine = ++asked;
      fetch(source.getAttribute("data-check"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token.value },
        body: JSON.stringify({ source: source.value })
      }).then(function (response) { return response.json(); })
        .then(function (answer) { if (mine === asked) { show(answer.problems || [], answer.summary); } })
        .catch(function () { /* the save button checks it anyway */ });
    }

    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 400);
    });
    check();
  }

  document.addEventListener("DOMContentLoaded", setup);
})();

// The preview's what-if: the worker replays the stored answers; this moves the progress bar and shows the result
// when it is ready. Without it, the page refreshes itself every few seconds (a <noscript> refresh).
(function () {
  "use strict";

  function setup() {
    var box = document.querySelector("[data-what-if]");
    var bar = document.getElementById("what-if-bar");
    var label = document.getElementById("what-if-label");
    if (!box || !bar || !label || !window.fetch) { return; }

    function poll() {
      fetch(box.getAttribute("data-what-if"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (run) {
          if (run.status === "done" || run.status === "failed") { window.location.reload(); return; }
          bar.value = run.percent;
          // The words and numbers come from the server, in the reader's language and number style.
          bar.textContent = run.percent_text;
          if (run.status === "running" && run.total) {
            label.firstChild.nodeValue = run.label;
          }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }

    setTimeout(poll, 500);
  }

  document.addEventListener("DOMContentLoaded", setup);
})();

// "What wins": the worker computes the evidence when the outcomes or the live model moved; the page shows the
// newest it has meanwhile and reloads itself once the new one is ready.
(function () {
  "use strict";

  function setup() {
    var box = document.querySelector("[data-evidence]");
    if (!box || !window.fetch) { return; }

    function poll() {
      fetch(box.getAttribute("data-evidence"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (found) {
          if (found.status === "done" || found.status === "failed") { window.location.reload(); return; }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }

    setTimeout(poll, 500);
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
