// Shows the case's BPMN diagram with bpmn-js and marks completed and current elements.
(function () {
  "use strict";
  var container = document.getElementById("diagram");
  if (!container || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: container });
  function ids(name) {
    return (container.dataset[name] || "").split(" ").filter(Boolean);
  }
  fetch(container.dataset.xml, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      ids("completed").forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, "completed"); }
      });
      ids("current").forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, "current"); }
      });
      canvas.zoom("fit-viewport");
      container.setAttribute("data-rendered", "true");
    })
    .catch(function (error) {
      container.textContent = container.dataset.error || String(error);
    });
}());
