from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html

from partners.adapters.registry import adapter_names
from partners.config_files import (
    PARTNER_FIELDS,
    ConfigFileUnreadable,
    lf_line_endings,
    partner_config_parse,
    partner_config_read,
)
from partners.crypto import CredentialsUnreadable, credentials_decrypt
from partners.facts import WEBHOOK_SECRET
from partners.models import OperationConfig, Partner, PartnerCredentials
from partners.operations import REQUIRED_TO_GO_LIVE, Operation
from partners.secret_retention import (
    KEPT_HELP,
    KeptSecretsInput,
    kept_secrets_open,
    kept_secrets_seal,
)
from partners.services import (
    CREDENTIAL_FIELDS,
    CREDENTIAL_LABELS,
    DECLARATIVE,
    partner_go_live_problems,
    secret_header_names_kept,
    secret_header_problems,
)
from partners.validation import operation_config_problems
from partners.webhook_secrets import WEBHOOK_SECRET_MIN_CHARS, webhook_secret_problem

SECRET_FIELDS = dict(CREDENTIAL_LABELS)  # credential name → its label
CODE_WIDGET = forms.Textarea(attrs={"rows": 10, "cols": 100, "class": "mapping-code"})


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders a value, not even the one just posted with an error."""

    def format_value(self, value):
        return None


def webhook_secret_help(partner: Partner, stored: dict, *, unreadable: bool) -> str:
    """The write-only field's help: whether a secret is stored, and where to generate one."""
    if unreadable:
        state = "Unreadable with the current keys: enter or generate it again."
    elif stored.get(WEBHOOK_SECRET):
        state = "Stored, never shown again; leave blank to keep it."
    else:
        state = "Not set."
    if partner.pk is None:
        return format_html(
            "{} The secret the partner signs its webhooks with (at least {} characters); "
            "after saving, you can also generate one.",
            state,
            WEBHOOK_SECRET_MIN_CHARS,
        )
    return format_html(
        "{} The secret the partner signs its webhooks with: type the one it gave you, or "
        '<a href="{}">generate one</a> to hand to it (shown once).',
        state,
        reverse("admin:partners_partner_webhook_secret", args=[partner.pk]),
    )


def _secret_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )


class PartnerAdminForm(forms.ModelForm):
    """The partner plus write-only credential fields: stored values are never sent back."""

    base_url = forms.URLField(
        label="Base URL",
        assume_scheme="https",
        max_length=200,
        help_text="e.g. https://api.partner.example (https is assumed when left out).",
    )
    secret_api_key = _secret_field(SECRET_FIELDS["api_key"])
    secret_username = _secret_field(SECRET_FIELDS["username"])
    secret_password = _secret_field(SECRET_FIELDS["password"])
    secret_client_id = _secret_field(SECRET_FIELDS["client_id"])
    secret_client_secret = _secret_field(SECRET_FIELDS["client_secret"])
    secret_key_id = _secret_field(SECRET_FIELDS["key_id"])
    secret_secret = _secret_field(SECRET_FIELDS["secret"])
    secret_headers = forms.CharField(
        label="Secret headers",
        required=False,
        widget=WriteOnlyTextarea(attrs={"rows": 3, "cols": 60, "autocomplete": "off"}),
    )
    webhook_secret = _secret_field("Webhook secret")
    remove_secret_headers = forms.MultipleChoiceField(
        label="Remove secret headers",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick a header to stop sending it.",
    )
    # Secrets typed before the page came back with an error, encrypted (see secret_retention).
    kept_secrets = forms.CharField(required=False, widget=KeptSecretsInput)
    # Who may open the kept secrets: set per request by the admin's get_form.
    kept_secrets_owner = ""

    class Meta:
        model = Partner
        fields = [*PARTNER_FIELDS, "logo"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["adapter"] = forms.ChoiceField(
            choices=[(name, name) for name in adapter_names()],
            help_text="'declarative' uses the operation mappings below; others are code adapters.",
        )
        stored, self.credentials_unreadable = {}, False
        if self.instance.pk and hasattr(self.instance, "credentials"):
            try:
                stored = credentials_decrypt(self.instance.credentials.encrypted)
            except CredentialsUnreadable:
                self.credentials_unreadable = True
        for name in SECRET_FIELDS:
            self.fields[f"secret_{name}"].help_text = (
                "Unreadable with the current keys: enter it again."
                if self.credentials_unreadable
                else "Stored — leave blank to keep it."
                if name in stored
                else "Not set."
            )
        self._secret_headers_describe(stored.get(PartnerCredentials.SECRET_HEADERS, {}))
        self.fields["webhook_secret"].help_text = webhook_secret_help(
            self.instance, stored, unreadable=self.credentials_unreadable
        )

    def _secret_headers_describe(self, values: dict[str, str]) -> None:
        """Say which secret headers are stored and which still need a value; never a value."""
        names = list(self.instance.secret_header_names or [])
        remove = self.fields["remove_secret_headers"]
        remove.choices = [(name, name) for name in names]
        if not names:
            remove.help_text = "No secret headers are stored."
        help_text = (
            "Headers the partner needs that carry a secret, one per line as Name: value "
            "(e.g. X-Partner-Token: …). Encrypted and never shown again; sent only to the "
            "partner's own address. Typing a stored name replaces its value."
        )
        stored = [name for name in names if values.get(name)]
        unset = [name for name in names if not values.get(name)]
        if stored:
            help_text += f" Stored: {', '.join(stored)}."
        if unset:
            help_text += f" No value yet (calls fail until entered): {', '.join(unset)}."
        self.fields["secret_headers"].help_text = help_text

    def clean_secret_headers(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["secret_headers"].splitlines(), 1):
            if not line.strip():
                continue
            name, colon, value = line.partition(":")
            if not colon or not name.strip() or not value.strip():
                # The line may hold a secret: its number is enough to find it.
                raise ValidationError(f"Line {number}: write each header as Name: value.")
            values[name.strip()] = value.strip()
        return values

    def secret_values(self) -> dict[str, str]:
        """The credential fields typed in that the chosen auth type uses."""
        wanted = CREDENTIAL_FIELDS[Partner.AuthType(self.cleaned_data["auth_type"])]
        return {name: self.cleaned_data[f"secret_{name}"] for name in wanted}

    def clean(self):
        cleaned = super().clean()
        auth_type = cleaned.get("auth_type")
        if auth_type is None:
            return cleaned
        wanted = CREDENTIAL_FIELDS[Partner.AuthType(auth_type)]
        self._kept_secrets_restore(cleaned, wanted)
        for name in set(SECRET_FIELDS) - set(wanted):
            if cleaned.get(f"secret_{name}"):
                self.add_error(f"secret_{name}", "Not used by the chosen authentication.")
        if self.credentials_unreadable:
            for name in wanted:
                if not cleaned.get(f"secret_{name}"):
                    self.add_error(
                        f"secret_{name}", "The stored secrets are unreadable: enter all."
                    )
        if webhook_secret := cleaned.get("webhook_secret"):
            if problem := webhook_secret_problem(webhook_secret):
                self.add_error("webhook_secret", problem)
            elif cleaned.get("status_delivery") != Partner.StatusDelivery.WEBHOOK:
                self.add_error("webhook_secret", "Only used with a webhook: choose Webhook above.")
        headers = cleaned.get("secret_headers")
        if headers is not None:
            kept = secret_header_names_kept(
                self.instance.secret_header_names or [],
                values=headers,
                remove=cleaned.get("remove_secret_headers") or [],
            )
            for problem in secret_header_problems(headers, kept=kept):
                self.add_error("secret_headers", problem)
        return cleaned

    def _kept_secrets_restore(self, cleaned: dict, wanted: tuple[str, ...]) -> None:
        """Fill the secret fields left blank from those kept when the page last came back with
        an error; what is typed now wins."""
        kept = kept_secrets_open(cleaned.get("kept_secrets", ""), owner=self.kept_secrets_owner)
        for name in wanted:
            value = kept.get(name)
            if isinstance(value, str) and value and not cleaned.get(f"secret_{name}"):
                cleaned[f"secret_{name}"] = value
        webhook_secret = kept.get(WEBHOOK_SECRET)
        if isinstance(webhook_secret, str) and webhook_secret and not cleaned.get(WEBHOOK_SECRET):
            cleaned[WEBHOOK_SECRET] = webhook_secret
        headers = kept.get("secret_headers")
        if isinstance(headers, dict) and isinstance(cleaned.get("secret_headers"), dict):
            typed = {name.lower() for name in cleaned["secret_headers"]}
            cleaned["secret_headers"] = {
                **{
                    name: value
                    for name, value in headers.items()
                    if isinstance(value, str) and name.lower() not in typed
                },
                **cleaned["secret_headers"],
            }

    def full_clean(self):
        super().full_clean()
        if self.is_bound:
            self._kept_secrets_seal()

    def _kept_secrets_seal(self) -> None:
        """Keep every secret that was accepted (typed or kept before) in the hidden field, so
        a page that comes back with an error elsewhere loses none; each says it is kept."""
        cleaned = getattr(self, "cleaned_data", {})
        kept: dict = {
            name: cleaned[f"secret_{name}"]
            for name in SECRET_FIELDS
            if cleaned.get(f"secret_{name}") and f"secret_{name}" not in self.errors
        }
        # Bound fields copy their help text when made, and cleaning has made them already.
        for name in kept:
            self[f"secret_{name}"].help_text = KEPT_HELP
        if cleaned.get(WEBHOOK_SECRET) and WEBHOOK_SECRET not in self.errors:
            kept[WEBHOOK_SECRET] = cleaned[WEBHOOK_SECRET]
            self[WEBHOOK_SECRET].help_text = KEPT_HELP
        if cleaned.get("secret_headers") and "secret_headers" not in self.errors:
            kept["secret_headers"] = cleaned["secret_headers"]
            self[
                "secret_headers"
            ].help_text += (
                f" Kept from the form you sent (not shown): {', '.join(cleaned['secret_headers'])}."
            )
        if kept:
            self.fields["kept_secrets"].widget.token = kept_secrets_seal(
                kept, owner=self.kept_secrets_owner
            )


class OperationConfigForm(forms.ModelForm):
    class Meta:
        model = OperationConfig
        fields = [
            "operation",
            "method",
            "path_template",
            "headers",
            "body_format",
            "accepted_statuses",
            "request_mapping",
            "response_mapping",
        ]
        widgets = {"request_mapping": CODE_WIDGET, "response_mapping": CODE_WIDGET}

    def clean_request_mapping(self) -> str:
        return lf_line_endings(self.cleaned_data["request_mapping"])

    def clean_response_mapping(self) -> str:
        return lf_line_endings(self.cleaned_data["response_mapping"])

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            candidate = OperationConfig(
                **{name: cleaned.get(name) for name in self.Meta.fields if name in cleaned}
            )
            for problem in operation_config_problems(candidate):
                self.add_error(None, problem)
        return cleaned


class OperationConfigFormSet(BaseInlineFormSet):
    """A live partner keeps the operations it went live with: pause it to take them away."""

    def clean(self):
        super().clean()
        partner = self.instance
        if partner.status != Partner.Status.LIVE:
            return
        if partner.adapter != DECLARATIVE:
            if problems := partner_go_live_problems(partner):
                raise ValidationError(["A live partner must keep what it needs:", *problems])
            return
        kept = {
            form.cleaned_data.get("operation")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        }
        missing = [operation.label for operation in REQUIRED_TO_GO_LIVE if operation not in kept]
        if missing:
            raise ValidationError(
                f"A live partner needs {' and '.join(missing)}: pause it before removing them."
            )


class ConnectionTestForm(forms.Form):
    operation = forms.ChoiceField(
        choices=[
            (Operation.LOOKUP, "Look up a barcode / code"),
            (Operation.SEARCH, "Search by name"),
            (Operation.SIMILAR, "Similar items of a partner product id"),
            (Operation.ORDER_STATUS, "Status of a partner order id"),
        ]
    )
    value = forms.CharField(max_length=200, help_text="The code, search text or id to send.")


class PartnerImportForm(forms.Form):
    file = forms.FileField(required=False, help_text="A file made by Export configuration.")
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100, "class": "mapping-code"}),
        help_text="…or paste the JSON here.",
    )

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), cleaned.get("text", "")
        if not upload and not text:
            raise ValidationError("Choose a file or paste the configuration.")
        try:
            cleaned["data"] = partner_config_read(upload) if upload else partner_config_parse(text)
        except ConfigFileUnreadable as error:
            raise ValidationError(str(error)) from error
        return cleaned
