// The walk page's running clock: time since the walkthrough started, updated every second.
(function () {
  "use strict";
  var clock = document.getElementById("clock");
  if (!clock || !clock.dataset.startedAt) return;
  var started = new Date(clock.dataset.startedAt).getTime();
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var s = Math.max(0, Math.floor((Date.now() - started) / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    clock.textContent = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s % 60);
  }
  tick();
  setInterval(tick, 1000);
})();
