// The blog editor's live preview: as the admin types, the Markdown is sent to the preview
// endpoint and the answer (the sanitised HTML the post page will show) replaces the
// preview. Without JavaScript the form's Preview button does the same with a full page.
(function () {
  "use strict";
  var form = document.getElementById("post-form");
  if (!form || !window.fetch) { return; }
  var body = form.querySelector("textarea[name='body_markdown']");
  var target = form.querySelector("[data-preview]");
  var token = form.querySelector("input[name='csrf_token']");
  var url = form.getAttribute("data-preview-url");
  if (!body || !target || !url) { return; }
  var timer = null;
  var latest = 0;

  function refresh() {
    var asked = ++latest;
    var data = new FormData();
    if (token) { data.append("csrf_token", token.value); }
    data.append("body_markdown", body.value);
    fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        // An older answer that arrives late never replaces a newer one.
        if (html !== null && asked === latest) { target.innerHTML = html; }
      })
      .catch(function () { /* the Preview button still works */ });
  }

  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  var button = form.querySelector("[data-preview-button]");
  if (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      refresh();
    });
  }
  refresh();
})();
