// Buttons with data-confirm ask before their form is sent (removing, deleting, withdrawing, revoking, ending).
// Yes adds confirmed=1, so the server does not ask again (core.confirmation); without JavaScript the server's
// confirmation page asks instead. A file of its own: the Content-Security-Policy allows no inline script.
document.addEventListener("submit", (event) => {
  const message = event.submitter && event.submitter.dataset.confirm;
  if (!message) {
    return;
  }
  if (!window.confirm(message)) {
    event.preventDefault();
    return;
  }
  const form = event.target;
  if (!form.querySelector('input[name="confirmed"]')) {
    const yes = document.createElement("input");
    yes.type = "hidden";
    yes.name = "confirmed";
    yes.value = "1";
    form.appendChild(yes);
  }
});
