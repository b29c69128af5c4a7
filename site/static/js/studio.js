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

    function show(problems) {
      out.textContent = "";
      var heading = document.createElement("p");
      heading.textContent = problems.length
        ? (problems.length === 1 ? "1 problem:" : problems.length + " problems:")
        : "No problems: the draft loads.";
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
        .then(function (answer) { if (mine === asked) { show(answer.problems || []); } })
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
