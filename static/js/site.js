// Crossings: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  var exit = document.getElementById("quick-exit");
  if (exit) {
    var leave = function () {
      // replace() takes this page out of the tab's history, so Back does not
      // return to it. Earlier pages of this site stay in the history: no script
      // can remove them (see /browse-safely).
      window.location.replace(exit.href);
    };
    // Escape leaves at once. Not while someone is typing: Escape also closes a
    // list or cancels an input method (Chinese, Japanese and Korean typing), and
    // must not throw away an unsent story.
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || event.isComposing || event.keyCode === 229) {
        return;
      }
      var target = event.target;
      var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
      if (tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable)) {
        return;
      }
      leave();
    });
    exit.addEventListener("click", function (event) {
      event.preventDefault();
      leave();
    });
  }

  // A form marked data-sending-label is sent once: its button is disabled at the
  // first click and says so ("Sending…"), so a second click while a photo is
  // still uploading cannot drop the first request. (Without JavaScript the
  // server shows the same receipt for a form sent twice.)
  Array.prototype.forEach.call(document.querySelectorAll("form[data-sending-label]"), function (form) {
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector("[data-sending-status]");
    var label = button ? button.textContent : "";
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sending") === "yes") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-sending", "yes");
      if (button) {
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
        button.textContent = form.getAttribute("data-sending-label");
      }
      if (status) {
        status.textContent = status.getAttribute("data-sending-status");
      }
    });
    // Back to a page kept in memory: the form can be used again.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted && button) {
        form.removeAttribute("data-sending");
        button.disabled = false;
        button.removeAttribute("aria-disabled");
        button.textContent = label;
      }
    });
  });

  // "Print this page" where there is JavaScript; without it the page says how to print.
  Array.prototype.forEach.call(document.querySelectorAll("button[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-print-hint]"), function (hint) {
    hint.hidden = true;
  });

  // Recordings behind a content-notes gate load nothing until the gate is opened.
  Array.prototype.forEach.call(document.querySelectorAll("details"), function (details) {
    var gated = details.querySelectorAll("audio[data-gated]");
    if (!gated.length) {
      return;
    }
    details.addEventListener("toggle", function () {
      if (!details.open) {
        return;
      }
      Array.prototype.forEach.call(gated, function (audio) {
        if (audio.preload === "none") {
          audio.preload = "metadata";
        }
      });
    });
  });

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
