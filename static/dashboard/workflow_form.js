/* The workflow page: each parameter value has a picker that inserts a placeholder at the cursor;
   the "its parameters" group follows the chosen trigger's whitelist entry. */
(function () {
  "use strict";
  function start() {
    var trigger = document.getElementById("id_trigger");
    if (!trigger) { return; }
    var paramsOf = JSON.parse(trigger.dataset.params || "{}");

    function fillParams() {
      var names = paramsOf[trigger.value] || [];
      document.querySelectorAll(".placeholder-picker optgroup[data-group='1']").forEach(function (group) {
        group.textContent = "";
        names.forEach(function (name) {
          var option = document.createElement("option");
          option.value = option.textContent = "command.params." + name;
          group.appendChild(option);
        });
      });
    }

    document.querySelectorAll(".placeholder-picker").forEach(function (picker) {
      picker.addEventListener("change", function () {
        var key = picker.value;
        var box = document.getElementById(picker.dataset.for);
        picker.value = "";
        if (!key || !box) { return; }
        // "command.result." needs its key typed: the cursor waits before the closing braces.
        window.chronosInsertAtCursor(box, "{{" + key + "}}", key.slice(-1) === "." ? 2 : 0);
      });
    });
    trigger.addEventListener("change", fillParams);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
