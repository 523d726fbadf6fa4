// Card fields, hosted-fields style (docs/checkout.md). The card number, expiry and CVC inputs
// have no name, so the form never sends them to our server: on Pay this script posts them
// straight to the gateway's tokenise endpoint with the public key, once per partner order
// (tokens are single use), and submits only the tokens, the brand and the last four digits.
(() => {
  "use strict";

  const fields = document.querySelector("[data-card-fields]");
  if (!fields) return;
  const form = fields.closest("form");
  const option = form.querySelector("[data-card-option]");
  if (option) option.hidden = false; // the card needs this script: offered only with it

  const hidden = (name) => form.querySelector(`[name="payment-${name}"]`);
  const input = (name) => fields.querySelector(`[data-card="${name}"]`);
  const errorFor = (name) => fields.querySelector(`[data-error-for="${name}"]`);
  const payButton = form.querySelector("button[type=submit]");
  let submitting = false;

  function cardChosen() {
    const chosen = form.querySelector('input[name="payment-method"]:checked');
    return chosen !== null && chosen.value === "card";
  }

  function showErrors(errors) {
    for (const name of ["number", "expiry", "cvc", "card"]) {
      const message = errors[name] || "";
      errorFor(name).textContent = message;
      const field = input(name);
      if (field) field.setAttribute("aria-invalid", message ? "true" : "false");
    }
    const first = ["number", "expiry", "cvc"].find((name) => errors[name]);
    if (first) input(first).focus();
  }

  function expiryParts(text) {
    const match = /^\s*(\d{1,2})\s*[/\-. ]\s*(\d{2}|\d{4})\s*$/.exec(text);
    return match ? { exp_month: Number(match[1]), exp_year: Number(match[2]) } : null;
  }

  async function tokenise(card) {
    let response;
    try {
      response = await fetch(fields.dataset.tokeniseUrl, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: {
          "Authorization": `Bearer ${fields.dataset.publicKey}`,
          "Content-Type": "application/json",
        },
        body: JSON.stringify(card),
      });
    } catch (error) {
      throw { card: "The payment gateway could not be reached: check the connection and press Pay again." };
    }
    let body = {};
    try {
      body = await response.json();
    } catch (error) {
      // An unreadable answer is told as a gateway failure below.
    }
    if (response.ok && body.token) return body;
    const refusal = body.error || {};
    if (refusal.fields) throw refusal.fields;
    throw { card: refusal.message || `The payment gateway refused the card (${response.status}).` };
  }

  async function pay() {
    const expiry = expiryParts(input("expiry").value);
    if (!expiry) {
      throw { expiry: "Type the expiry as on the card: month / year, for example 04/29." };
    }
    const card = { number: input("number").value, cvc: input("cvc").value, ...expiry };
    const count = Number(fields.dataset.tokenCount);
    const answers = [];
    for (let n = 0; n < count; n += 1) answers.push(await tokenise(card));
    hidden("card_tokens").value = answers.map((answer) => answer.token).join(",");
    hidden("card_brand").value = answers[0].brand || "";
    hidden("card_last4").value = answers[0].last4 || "";
  }

  // A field's gateway error goes as soon as the associate corrects that field.
  for (const name of ["number", "expiry", "cvc"]) {
    input(name).addEventListener("input", () => {
      errorFor(name).textContent = "";
      input(name).removeAttribute("aria-invalid");
    });
  }

  form.addEventListener("submit", async (event) => {
    if (!cardChosen()) {
      hidden("card_tokens").value = "";
      return; // a till payment posts as it is (and works without this script)
    }
    event.preventDefault();
    if (submitting) return;
    submitting = true;
    payButton.disabled = true;
    showErrors({ card: "" });
    try {
      await pay();
    } catch (errors) {
      showErrors(errors instanceof Error ? { card: errors.message } : errors);
      submitting = false;
      payButton.disabled = false;
      return;
    }
    // Clear the card before leaving: the page may be restored from the browser's cache.
    for (const name of ["number", "expiry", "cvc"]) input(name).value = "";
    form.submit();
  });
})();
