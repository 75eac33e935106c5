// A table wider than a small screen scrolls inside its own box (app.css); this makes that box reachable by keyboard
// (tabindex) while it overflows. Without JavaScript the table still scrolls by touch or mouse.
function markScrollingTables() {
  for (const table of document.querySelectorAll("main table")) {
    if (table.scrollWidth > table.clientWidth + 1) {
      table.tabIndex = 0;
    } else if (table.getAttribute("tabindex") === "0") {
      table.removeAttribute("tabindex");
    }
  }
}
document.addEventListener("DOMContentLoaded", markScrollingTables);
window.addEventListener("resize", markScrollingTables);
document.addEventListener("htmx:afterSettle", markScrollingTables);
