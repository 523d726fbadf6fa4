// Preview mapping: choosing an operation or direction loads its saved mapping at once. Without
// this script the "Load mapping" button does the same.
document.addEventListener("DOMContentLoaded", () => {
  const choice = document.querySelector("[data-preview-choice]");
  if (!choice) return;
  choice.querySelectorAll("select").forEach((select) => {
    select.addEventListener("change", () => choice.requestSubmit());
  });
});
