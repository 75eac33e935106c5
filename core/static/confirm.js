// Buttons with data-confirm ask before their form is sent (removing, deleting, withdrawing, revoking).
// A file of its own: the Content-Security-Policy allows no inline script.
document.addEventListener("submit", (event) => {
  const message = event.submitter && event.submitter.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
