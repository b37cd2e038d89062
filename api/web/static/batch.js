/* The progress page of a batch of reports, its own script. The page works without it (a link
   checks the progress again); where it runs, it asks for the page every few seconds while the
   batch is waiting or being made, puts the new figures in place, and when the batch changes
   state shows the new page and says so in the status message. It never reloads the page. */
(function () {
  "use strict";
  var EVERY_MS = 3000;
  var batch = document.getElementById("batch");
  var live = document.getElementById("batch-live");
  if (!batch || !live || !window.fetch || !window.DOMParser) {
    return;
  }

  function unfinished(element) {
    var state = element.getAttribute("data-state");
    return state === "queued" || state === "running";
  }

  function copyFigures(fresh) {
    var bar = document.getElementById("batch-progress");
    var freshBar = fresh.querySelector("#batch-progress");
    if (bar && freshBar) {
      ["max", "value"].forEach(function (name) {
        if (freshBar.hasAttribute(name)) {
          bar.setAttribute(name, freshBar.getAttribute(name));
        } else {
          bar.removeAttribute(name);
        }
      });
      bar.textContent = freshBar.textContent;
    }
    var count = document.getElementById("batch-count");
    var freshCount = fresh.querySelector("#batch-count");
    if (count && freshCount) {
      count.textContent = freshCount.textContent;
    }
  }

  function show(fresh) {
    var hadFocus = batch.contains(document.activeElement);
    var adopted = document.importNode(fresh, true);
    batch.parentNode.replaceChild(adopted, batch);
    batch = adopted;
    live.textContent = batch.getAttribute("data-announce");
    if (hadFocus) {
      batch.focus();
    }
  }

  function poll() {
    fetch(batch.getAttribute("data-poll"), {
      credentials: "same-origin",
      cache: "no-store",
      redirect: "error",
      referrerPolicy: "no-referrer"
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var fresh = page.getElementById("batch");
      if (!fresh) {
        return;
      }
      if (fresh.getAttribute("data-state") === batch.getAttribute("data-state")) {
        copyFigures(fresh);
      } else {
        show(fresh);
      }
      if (unfinished(batch)) {
        later();
      }
    }, later);
  }

  function later() {
    window.setTimeout(poll, EVERY_MS);
  }

  if (unfinished(batch)) {
    later();
  }
})();
