/* The admin calendar: FullCalendar over one calendar; times are wall-clock times of its zone. */
(function () {
  "use strict";
  function start() {
    var el = document.getElementById("calendar");
    if (!el || !window.FullCalendar) { return; }
    var message = document.getElementById("cal-message");
    var offers = document.getElementById("cal-suggestions");
    var zoneName = el.dataset.zone;

    function say(text, bad) {
      message.textContent = text;
      message.className = bad ? "errornote" : "";
    }

    function wall(date) {  // FullCalendar runs in UTC mode: its UTC fields are the wall clock
      return date ? date.toISOString().slice(0, 19) : null;
    }

    function post(id, body) {
      return fetch(el.dataset.moveUrl.replace("/0/", "/" + id + "/"), {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": el.dataset.csrf},
        body: JSON.stringify(body)
      }).then(function (r) { return r.json().then(function (data) { return {ok: r.ok, data: data}; }); });
    }

    function offer(id, suggestions) {
      offers.textContent = "";
      if (!suggestions.length) { return; }
      var label = document.createElement("span");
      label.textContent = "Free slots (" + zoneName + "): ";
      offers.appendChild(label);
      suggestions.forEach(function (s) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "button move-here";
        b.textContent = "move here: " + s.start.replace("T", " ") + "–" + s.end.slice(11);
        b.addEventListener("click", function () {
          post(id, {start: s.start, end: s.end}).then(function (res) {
            if (!res.ok) { say(res.data.detail, true); return; }
            say("Moved to " + res.data.start.replace("T", " ") + " " + zoneName + ".");
            offers.textContent = "";
            calendar.refetchEvents();
          });
        });
        offers.appendChild(b);
      });
    }

    function moved(info) {
      var ev = info.event;
      post(ev.id, {start: ev.allDay ? ev.startStr.slice(0, 10) : wall(ev.start),
                   end: ev.end ? (ev.allDay ? ev.endStr.slice(0, 10) : wall(ev.end)) : null,
                   all_day: ev.allDay}).then(function (res) {
        if (!res.ok) { info.revert(); say(res.data.detail || "Not moved.", true); return; }
        var text = "“" + ev.title + "” now " + res.data.start.replace("T", " ") + " " + zoneName + ".";
        if (res.data.conflicts.length) { text += " It collides with " + res.data.conflicts.length + " event(s)."; }
        say(text, res.data.conflicts.length > 0);
        offer(ev.id, res.data.suggestions || []);
        calendar.refetchEvents();
      });
    }

    var calendar = new FullCalendar.Calendar(el, {
      timeZone: "UTC",
      initialView: el.dataset.initialView || "timeGridWeek",
      initialDate: el.dataset.initialDate || undefined,
      firstDay: 1,
      nowIndicator: false,
      editable: true,
      height: "auto",
      slotMinTime: "06:00:00",
      slotMaxTime: "22:00:00",
      eventTimeFormat: {hour: "2-digit", minute: "2-digit", hour12: false},
      slotLabelFormat: {hour: "2-digit", minute: "2-digit", hour12: false},
      headerToolbar: {left: "prev,next today", center: "title", right: "timeGridDay,timeGridWeek,dayGridMonth"},
      events: el.dataset.eventsUrl,
      eventDrop: moved,
      eventResize: moved,
      eventDidMount: function (info) {
        var n = info.event.extendedProps.conflicts.length;
        info.el.title = info.event.title + (n ? " — collides with " + n + " event(s)" : "");
      }
    });
    calendar.render();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
