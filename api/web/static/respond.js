/* The respondent form's own script. The form works without it; where it runs, it saves the
   page's answers as they change, without reloading, and says so in a status message. */
(function () {
  "use strict";
  var form = document.getElementById("answers");
  if (!form || !window.fetch || !window.FormData || !window.URLSearchParams) {
    return;
  }
  var status = document.getElementById("autosave-status");
  var timer = null;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function save() {
    var body = new URLSearchParams(new FormData(form));
    body.set("action", "autosave");
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      headers: { "X-Transversal-Autosave": "1" },
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
      referrerPolicy: "no-referrer"
    }).then(function (response) {
      say(response.ok ? form.getAttribute("data-saved") : form.getAttribute("data-failed"));
    }, function () {
      say(form.getAttribute("data-failed"));
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target && event.target.type === "radio") {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 300);
    }
  });
})();
