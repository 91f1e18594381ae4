/* The event page's checklist: every tick, addition, removal and reorder is saved at once. */
(function () {
  "use strict";
  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function start() {
    var panel = document.getElementById("checklist-panel");
    if (!panel) { return; }
    var list = document.getElementById("checklist");
    var message = document.getElementById("checklist-message");
    var statusEl = document.getElementById("event-status");

    function send(body) {
      return fetch(panel.dataset.url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().then(function (data) {
          if (!r.ok) { message.textContent = data.detail || "Not saved."; message.className = "errornote"; return; }
          message.textContent = "Saved."; message.className = "";
          render(data);
        });
      });
    }

    function render(data) {
      statusEl.textContent = data.status_label;
      list.textContent = "";
      data.items.forEach(function (item) {
        var li = document.createElement("li");
        li.draggable = true;
        li.dataset.id = item.id;
        var label = document.createElement("label");
        var box = document.createElement("input");
        box.type = "checkbox"; box.className = "tick"; box.checked = item.completed;
        var text = document.createElement("span");
        text.className = "text"; text.textContent = item.text;
        label.appendChild(box); label.appendChild(document.createTextNode(" ")); label.appendChild(text);
        var done = document.createElement("span");
        done.className = "quiet done-at"; done.textContent = item.completed_at ? "done " + item.completed_at : "";
        var del = document.createElement("button");
        del.type = "button"; del.className = "delete-item"; del.title = "Remove"; del.textContent = "✕";
        li.appendChild(label); li.appendChild(done); li.appendChild(del);
        list.appendChild(li);
      });
    }

    list.addEventListener("change", function (e) {
      if (!e.target.classList.contains("tick")) { return; }
      send({op: "tick", id: e.target.closest("li").dataset.id, completed: e.target.checked});
    });
    list.addEventListener("click", function (e) {
      if (!e.target.classList.contains("delete-item")) { return; }
      send({op: "delete", id: e.target.closest("li").dataset.id});
    });
    var input = document.getElementById("checklist-new");
    function add() {
      if (!input.value.trim()) { return; }
      send({op: "add", text: input.value}).then(function () { input.value = ""; });
    }
    document.getElementById("checklist-add").addEventListener("click", add);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); add(); }  // never submit the page's form
    });

    var dragged = null;
    list.addEventListener("dragstart", function (e) {
      dragged = e.target.closest("li"); dragged.classList.add("dragging");
    });
    list.addEventListener("dragover", function (e) {
      e.preventDefault();
      var over = e.target.closest("li");
      if (!dragged || !over || over === dragged) { return; }
      var box = over.getBoundingClientRect();
      list.insertBefore(dragged, (e.clientY - box.top) > box.height / 2 ? over.nextSibling : over);
    });
    list.addEventListener("dragend", function () {
      if (!dragged) { return; }
      dragged.classList.remove("dragging"); dragged = null;
      var order = Array.prototype.map.call(list.children, function (li) { return li.dataset.id; });
      send({op: "order", order: order});
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
