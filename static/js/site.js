// Crossings: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  var exit = document.getElementById("quick-exit");
  if (exit) {
    // Escape leaves at once; replace() keeps this site out of the back button's history.
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        window.location.replace(exit.href);
      }
    });
    exit.addEventListener("click", function (event) {
      event.preventDefault();
      window.location.replace(exit.href);
    });
  }
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
