// The address form's postal code and region labels follow the chosen country (the server
// labels them for the country it was given; this saves a round trip when it changes).
(() => {
  "use strict";

  const data = document.getElementById("address-labels");
  const country = document.getElementById("id_delivery-country");
  if (!data || !country) return;
  const labels = JSON.parse(data.textContent);
  function relabel() {
    for (const [field, text] of Object.entries(labels[country.value] || {})) {
      const label = document.querySelector(`label[for="id_delivery-${field}"]`);
      if (label) label.textContent = text;
    }
  }
  country.addEventListener("change", relabel);
  relabel(); // a country chosen before this script ran (or restored by the browser)
})();
