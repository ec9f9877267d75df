// The Print button of the recovery codes page. It is hidden until this script shows it, so
// that a browser without JavaScript shows no button that does nothing.
(function () {
  "use strict";

  const button = document.querySelector("[data-print]");
  if (!button) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", () => window.print());
})();
