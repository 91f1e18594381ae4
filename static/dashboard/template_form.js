/* The template page: only the fields of the chosen type, placeholders of that type (click to
   insert at the cursor), and a preview re-rendered with sample data as the author types. */
(function () {
  "use strict";
  function start() {
    var typeField = document.getElementById("id_type");
    var frame = document.getElementById("chronos-preview-frame");
    if (!typeField) { return; }
    var form = typeField.closest("form");
    var sections = {event: "Event", email: "E-mail", webhook: "Webhook"};

    function fieldsetNamed(name) {
      var found = null;
      form.querySelectorAll("fieldset").forEach(function (fs) {
        var heading = fs.querySelector("h2");
        if (heading && heading.textContent.trim() === name) { found = fs; }
      });
      return found;
    }

    function showType() {
      var chosen = typeField.value || "event";
      Object.keys(sections).forEach(function (type) {
        var fs = fieldsetNamed(sections[type]);
        if (fs) { fs.hidden = type !== chosen; }
      });
      document.querySelectorAll(".placeholder-list").forEach(function (list) {
        list.hidden = list.dataset.type !== chosen;
      });
    }

    var lastField = null;
    form.addEventListener("focusin", function (e) {
      if (e.target.matches("textarea, input[type=text]")) { lastField = e.target; }
    });
    document.querySelectorAll(".placeholder-key").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = lastField || form.querySelector("#id_body_html, #id_body_text, #id_body_json");
        if (!target) { return; }
        window.chronosInsertAtCursor(target, "{{" + button.dataset.key + "}}");
      });
    });

    var info = document.getElementById("chronos-preview-info");
    var timer = null;
    function refresh() {
      if (!frame) { return; }
      fetch(frame.dataset.url, {method: "POST", body: new FormData(form), credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (out) {
          if (out.error) { info.textContent = out.error; info.className = "preview-info errornote"; frame.srcdoc = ""; return; }
          info.className = "preview-info";
          info.textContent = out.subject !== undefined ? "Subject: " + out.subject : "";
          var pre = document.createElement("pre");
          pre.style.whiteSpace = "pre-wrap";  // long lines wrap inside the frame instead of being cut
          if (out.html !== undefined && out.html) { frame.srcdoc = out.html; return; }
          if (out.html !== undefined) { pre.textContent = out.text || ""; }
          else { pre.textContent = out.json !== undefined ? out.json : (out.title + "\n" + out.description); }
          frame.srcdoc = pre.outerHTML;
        })
        .catch(function () { info.textContent = "Preview unavailable."; });
    }
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 300); });
    typeField.addEventListener("change", function () { showType(); refresh(); });
    showType();
    refresh();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
