// The dashboard works without this file; it only adds conveniences.
"use strict";
document.addEventListener("keydown", (e) => {
  // "/" jumps to the search box, as on most code hosts.
  const q = document.getElementById("q");
  if (e.key === "/" && q && document.activeElement !== q) {
    e.preventDefault();
    q.focus();
    q.select();
  }
});
// A stale page tries again by itself every 30 seconds.
if (document.getElementById("stale")) {
  setTimeout(() => location.reload(), 30000);
}
