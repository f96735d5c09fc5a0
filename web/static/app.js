// coopbot page: ask without reloading. The form works without this script
// (GET /?q=… renders the answer on the server); with it, the answer
// fragment is fetched from /answer and the address bar kept in step.
(function () {
  "use strict";
  var form = document.getElementById("ask");
  var input = document.getElementById("q");
  var button = document.getElementById("ask-button");
  var result = document.getElementById("result");
  if (!form || !window.fetch) return;

  function ask(question, push) {
    question = question.trim();
    if (!question) return;
    button.disabled = true;
    button.textContent = "Asking…";
    result.setAttribute("aria-busy", "true");
    result.innerHTML = '<p class="loading">Searching the sources…</p>';
    fetch("/answer?q=" + encodeURIComponent(question), { headers: { "Accept": "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        // The fragment is rendered by html/template: already escaped.
        result.innerHTML = html;
        document.title = question + " · coopbot";
        if (push) history.pushState({ q: question }, "", "/?q=" + encodeURIComponent(question));
      })
      .catch(function () {
        result.innerHTML = '<article class="result error" data-state="error"><div class="notice" role="alert"><h2>Couldn\'t answer</h2><p>The server could not be reached. Check your connection and try again.</p></div></article>';
      })
      .finally(function () {
        button.disabled = false;
        button.textContent = "Ask";
        result.removeAttribute("aria-busy");
      });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    ask(input.value, true);
  });
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a.suggestion");
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    input.value = a.textContent;
    ask(a.textContent, true);
  });
  // A vote is posted in place; the form alone posts it to a page of its
  // own.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.classList || !f.classList.contains("feedback")) return;
    e.preventDefault();
    var data = new URLSearchParams(new FormData(f));
    if (e.submitter && e.submitter.name) data.set(e.submitter.name, e.submitter.value);
    var out = f.querySelector(".feedback-result");
    fetch(f.action, { method: "POST", body: data, headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (j) { out.textContent = j.message || j.error || ""; f.dataset.voted = j.result || "error"; })
      .catch(function () { out.textContent = "The vote could not be sent. Check your connection and try again."; });
  });
  window.addEventListener("popstate", function () {
    var q = new URLSearchParams(location.search).get("q") || "";
    input.value = q;
    if (q) ask(q, false); else result.innerHTML = "";
  });
})();
