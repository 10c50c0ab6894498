// Skydas: show an edge's item pairs in the side panel when the edge is clicked.
(function () {
  "use strict";
  var panel = document.getElementById("edge-panel");
  if (!panel) { return; }
  document.querySelectorAll("svg.graph line.edge").forEach(function (line) {
    line.addEventListener("click", function () {
      var detail = document.getElementById("edge-" + line.getAttribute("data-edge"));
      if (!detail) { return; }
      document.querySelectorAll("svg.graph line.edge.active").forEach(function (l) { l.classList.remove("active"); });
      line.classList.add("active");
      panel.innerHTML = "";
      var copy = detail.cloneNode(true);
      copy.hidden = false;
      copy.removeAttribute("id");
      panel.appendChild(copy);
    });
  });
})();
