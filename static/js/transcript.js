// Crossings: a click on a transcript line seeks the recording beside it.
// Progressive enhancement only: without this file each line is a link that opens
// the recording at that time (a media fragment, #t=seconds).
(function () {
  "use strict";
  var transcripts = document.querySelectorAll(".transcript[data-audio]");
  Array.prototype.forEach.call(transcripts, function (box) {
    var audio = document.getElementById(box.getAttribute("data-audio"));
    if (!audio) {
      return;
    }
    var cues = box.querySelectorAll("a.cue[data-start]");
    box.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a.cue[data-start]") : null;
      if (!link || !box.contains(link)) {
        return;
      }
      var start = parseFloat(link.getAttribute("data-start"));
      if (isNaN(start)) {
        return;
      }
      event.preventDefault();
      audio.currentTime = start;
      var playing = audio.play();
      if (playing && playing.catch) {
        playing.catch(function () {}); // autoplay refused: the position is still set
      }
    });
    // Mark the line being heard, for sighted listeners and screen readers alike.
    audio.addEventListener("timeupdate", function () {
      var now = audio.currentTime;
      var current = null;
      Array.prototype.forEach.call(cues, function (link) {
        if (parseFloat(link.getAttribute("data-start")) <= now + 0.05) {
          current = link;
        }
      });
      Array.prototype.forEach.call(cues, function (link) {
        if (link === current) {
          link.setAttribute("aria-current", "true");
        } else {
          link.removeAttribute("aria-current");
        }
      });
    });
  });
})();
