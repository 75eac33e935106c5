// A billing run's page while the run works: its progress fragment is fetched every two seconds; once the run
// has ended, the page reloads to show the invoices and the entries left out. A file of its own (CSP: no inline
// script); without JavaScript a <noscript> refresh does the same.
(() => {
  const box = document.querySelector("[data-poll]");
  if (!box) {
    return;
  }
  const url = box.dataset.poll;
  const tick = async () => {
    try {
      const response = await fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" });
      if (response.ok) {
        box.innerHTML = await response.text();
        const status = box.querySelector("[data-status]");
        if (status && (status.dataset.status === "done" || status.dataset.status === "failed")) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // the network hiccuped: try again at the next tick
    }
    window.setTimeout(tick, 2000);
  };
  window.setTimeout(tick, 2000);
})();
