// The task page: show the text of the saved reply chosen in the form. Without script, the page
// shows the one chosen when it was loaded (the route's template, or the last one submitted).
(function () {
  "use strict";
  var box = document.getElementById("saved-reply-texts");
  var select = box && document.getElementById(box.dataset.field);
  if (!select) {
    return;
  }
  select.addEventListener("change", function () {
    box.querySelectorAll("[data-key]").forEach(function (element) {
      element.hidden = element.dataset.key !== select.value;
    });
  });
})();
