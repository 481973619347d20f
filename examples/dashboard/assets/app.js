// The dashboard works without this file; it only adds conveniences.
// (A stale page does not refresh by itself: every open tab would then hit a
// registry that is down, again and again.)
"use strict";
document.addEventListener("keydown", (e) => {
  // "/" jumps to the search box, as on most code hosts.
  const q = document.getElementById("q");
  if (e.key === "/" && q && document.activeElement !== q && !(document.activeElement instanceof HTMLInputElement)) {
    e.preventDefault();
    q.focus();
    q.select();
  }
});
// The copy button beside the install command.
for (const b of document.querySelectorAll("button[data-copy]")) {
  b.hidden = false;
  b.addEventListener("click", async () => {
    const text = document.getElementById(b.dataset.copy).textContent;
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = "Copied";
    } catch {
      b.textContent = "Select and copy";
    }
    setTimeout(() => { b.textContent = "Copy"; }, 2000);
  });
}
