// collector review desk: the only script, served from the desk itself (no inline script).
// Two small jobs: zooming screenshots, and following an intake report's progress.
// Everything works without it (the screenshot opens alone; the report page reloads).
"use strict";

(function () {
  var STEPS = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4];

  function setupViewer(figure) {
    var img = figure.querySelector("img.shot");
    var bar = figure.querySelector(".zoombar");
    var level = figure.querySelector(".zoomlevel");
    if (!img || !bar) return;
    bar.hidden = false;
    var scale = null; // null: fit the frame's width

    function natural() { return img.naturalWidth || img.width || 1; }
    function fitScale() {
      var frame = img.parentElement;
      return Math.min(1, (frame.clientWidth || natural()) / natural());
    }
    function apply() {
      if (scale === null) {
        img.classList.add("fit");
        img.style.width = "";
        level.textContent = "muat / fit";
      } else {
        img.classList.remove("fit");
        img.style.width = Math.round(natural() * scale) + "px";
        level.textContent = Math.round(scale * 100) + "%";
      }
      img.dataset.scale = scale === null ? "fit" : String(scale);
    }
    function step(direction) {
      var current = scale === null ? fitScale() : scale;
      var next = current;
      for (var i = 0; i < STEPS.length; i++) {
        var s = direction > 0 ? STEPS[i] : STEPS[STEPS.length - 1 - i];
        if ((direction > 0 && s > current + 1e-9) || (direction < 0 && s < current - 1e-9)) {
          next = s;
          break;
        }
      }
      scale = next;
      apply();
    }
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-zoom]");
      if (!button) return;
      var what = button.getAttribute("data-zoom");
      if (what === "in") step(1);
      else if (what === "out") step(-1);
      else if (what === "actual") { scale = 1; apply(); }
      else { scale = null; apply(); }
    });
    img.addEventListener("click", function () {
      scale = scale === null ? 1 : null;
      apply();
    });
  }

  function followReport(tableEl) {
    if (tableEl.getAttribute("data-finished") === "1") return;
    var id = tableEl.getAttribute("data-report");
    var shown = {};
    tableEl.querySelectorAll("tbody tr").forEach(function (row) {
      shown[row.getAttribute("data-position")] = row.getAttribute("data-status");
    });
    function poll() {
      fetch("/api/reports/" + encodeURIComponent(id), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { setTimeout(poll, 3000); return; }
          var changed = data.items.some(function (item) {
            return shown[String(item.position)] !== item.status;
          });
          if (changed || data.finished) window.location.reload();
          else setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("figure[data-viewer]").forEach(setupViewer);
    var report = document.querySelector("table.intake[data-report]");
    if (report) followReport(report);
  });
})();
