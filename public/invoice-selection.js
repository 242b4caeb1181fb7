// The list's « Télécharger la sélection » stays disabled while no invoice is ticked (issue #13, item 14).
// Without this script the button works as sent and the server says that nothing was chosen.
(() => {
  const form = document.querySelector("form.inv-selection");
  const button = form?.querySelector("button.inv-zip-selection");
  const hint = document.getElementById("inv-selection-hint");
  if (!form || !button) return;
  const update = () => {
    const none = form.querySelector('input[name="id"]:checked') === null;
    button.disabled = none;
    if (hint) hint.hidden = !none;
  };
  form.addEventListener("change", update);
  // A page restored from the back-forward cache keeps its ticks: read them again.
  window.addEventListener("pageshow", update);
  update();
})();
