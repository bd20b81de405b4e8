// Crossings: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  var exit = document.getElementById("quick-exit");
  if (exit) {
    // Escape leaves at once; replace() keeps this site out of the back button's history.
    // Not while someone is typing: Escape also closes a list or cancels an input method
    // (Chinese, Japanese and Korean typing), and must not throw away an unsent story.
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || event.isComposing || event.keyCode === 229) {
        return;
      }
      var target = event.target;
      var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
      if (tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable)) {
        return;
      }
      window.location.replace(exit.href);
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
