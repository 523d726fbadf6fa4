from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from partners.admin_proofs import ProofToolsMixin
from partners.config_files import PARTNER_FIELDS, partner_config_text
from partners.connection_test import (
    connection_test_refusal,
    partner_connection_test,
    pretty_json,
)
from partners.facts import FACT_FIELDS
from partners.forms import (
    SECRET_FIELDS,
    ConnectionTestForm,
    OperationConfigForm,
    OperationConfigFormSet,
    PartnerAdminForm,
    PartnerImportForm,
)
from partners.history_page import partner_history_entries
from partners.live_versions import partner_versions, shapes_calls
from partners.mapping_preview import mapping_preview_initial, mapping_preview_run
from partners.models import OperationConfig, Partner, PartnerCall, PartnerProof
from partners.operations import Operation
from partners.pending_versions import partner_pending_discard, partner_pending_promote
from partners.preview_forms import MappingChoiceForm, MappingPreviewForm
from partners.selectors import (
    operation_configs_with_partner,
    partner_accepts_new_work,
    partner_calls_with_partner,
    partner_never_called,
    partner_with_operations,
)
from partners.services import (
    ALLOWED_TRANSITIONS,
    partner_config_bump,
    partner_config_import,
    partner_credentials_set,
    partner_delete,
    partner_go_live_problems,
    partner_secret_headers_set,
    partner_secret_headers_unset,
    partner_status_change,
)
from partners.webhook_secrets import (
    partner_webhook_secret_generate,
    partner_webhook_secret_needed,
    partner_webhook_secret_set,
)


class ReadOnlyHistoryMixin:
    """History is for reading and diffs: reverting would skip the services (permissions, the
    go-live gate, the configuration version), so a revert POST is refused."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("History is read-only: change the partner instead.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class OperationConfigInline(admin.StackedInline):
    model = OperationConfig
    form = OperationConfigForm
    formset = OperationConfigFormSet
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        # Each form's link names its configuration, and the name includes the partner.
        configs = operation_configs_with_partner()
        return configs if self.has_view_or_change_permission(request) else configs.none()


@admin.register(Partner)
class PartnerAdmin(ProofToolsMixin, ReadOnlyHistoryMixin, SimpleHistoryAdmin):
    form = PartnerAdminForm
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OperationConfigInline]
    list_display = ["name", "slug", "status", "priority", "auth_type", "config_version", "actions_"]
    list_filter = ["status", "auth_type"]
    search_fields = ["name", "slug", "base_url"]
    readonly_fields = ["status", "config_version"]
    history_list_display = ["status", "config_version"]
    change_form_template = "admin/partners/partner/change_form.html"
    change_list_template = "admin/partners/partner/change_list.html"
    fieldsets = [
        (None, {"fields": ["name", "slug", "status", "config_version", "priority", "categories"]}),
        ("Contact", {"fields": ["contact_email", "logo"]}),
        (
            "Connection",
            {
                "fields": [
                    "adapter",
                    "base_url",
                    "connect_timeout_ms",
                    "read_timeout_ms",
                    "read_attempts",
                    "max_concurrent_requests",
                    "max_response_kb",
                ]
            },
        ),
        (
            "Authentication",
            {
                "fields": [
                    "auth_type",
                    "api_key_name",
                    "oauth_token_url",
                    "oauth_scope",
                    "hmac_header_name",
                    "hmac_signed_parts",
                    *(f"secret_{name}" for name in SECRET_FIELDS),
                    "secret_headers",
                    "remove_secret_headers",
                    "kept_secrets",
                ],
                "description": "Secrets are encrypted and never shown again; fill only those the "
                "chosen authentication uses. Headers that carry a secret go under Secret "
                "headers, never in an operation's fixed headers.",
            },
        ),
        (
            "What the partner answers",
            {
                "fields": ["lookup_kind"],
                "description": "A partner that answers only whether it can supply a code is "
                "availability-only: the catalogue supplies name and price.",
            },
        ),
        (
            "Orders",
            {"fields": ["one_item_per_order", "deduplication", "idempotency_header_name"]},
        ),
        (
            "What the partner ships and how it tells us",
            {
                "fields": [*FACT_FIELDS, "webhook_secret"],
                "description": "What the order pipeline needs before the partner goes live: "
                "where it delivers, what the store charges for delivery, and how the "
                "partner's order status reaches us.",
            },
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        # Only a partner never called: one with calls is retired, keeping its log.
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or partner_never_called(obj))

    def get_actions(self, request):
        # A bulk delete would skip the per-partner check above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Operations go with their partner: its delete permission covers them (their own admin
        # is read-only).
        perms_needed.discard(OperationConfig._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        partner_delete(partner=obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # Kept secrets open only for the user who typed them, on the same partner.
        form.kept_secrets_owner = f"{request.user.pk}:{obj.pk if obj else 'new'}"
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Only what the form edits: status and configuration version belong to the services,
        # and writing back the values read when the page opened would undo their changes.
        obj.save(update_fields=[*PARTNER_FIELDS, "logo", "updated_at"])

    @admin.display(description="")
    def actions_(self, partner: Partner) -> str:
        return format_html(
            '<a href="{}">Test connection</a> · <a href="{}">Calls</a> · <a href="{}">Export</a>',
            reverse("admin:partners_partner_test_connection", args=[partner.pk]),
            reverse("admin:partners_partnercall_changelist") + f"?partner__id__exact={partner.pk}",
            reverse("admin:partners_partner_export", args=[partner.pk]),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        partner = form.instance
        secrets = {name: value for name, value in form.secret_values().items() if value}
        headers = form.cleaned_data["secret_headers"]
        removed = form.cleaned_data["remove_secret_headers"]
        if secrets:
            partner_credentials_set(partner=partner, values=secrets)
        if webhook_secret := form.cleaned_data["webhook_secret"]:
            partner_webhook_secret_set(partner=partner, secret=webhook_secret)
        if headers or removed:
            partner_secret_headers_set(partner=partner, values=headers, remove=removed)
        # Name, priority, contact, categories and logo shape no call: they apply at once.
        if not (secrets or headers or removed) and (
            # The webhook secret signs the partner's pushes to us, not our calls; kept secrets
            # only carry typed ones across a form error (those are counted above).
            shapes_calls(set(form.changed_data) - {"webhook_secret", "kept_secrets"})
            or any(formset.has_changed() for formset in formsets)
        ):
            partner_config_bump(partner=partner)

    def get_urls(self):
        own = [
            path(
                "<int:partner_id>/test-connection/",
                self.admin_site.admin_view(self.test_connection_view),
                name="partners_partner_test_connection",
            ),
            path(
                "<int:partner_id>/preview-mapping/",
                self.admin_site.admin_view(self.preview_mapping_view),
                name="partners_partner_preview_mapping",
            ),
            path(
                "<int:partner_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name="partners_partner_status",
            ),
            path(
                "<int:partner_id>/pending/",
                self.admin_site.admin_view(self.pending_view),
                name="partners_partner_pending",
            ),
            path(
                "<int:partner_id>/retire/",
                self.admin_site.admin_view(self.retire_view),
                name="partners_partner_retire",
            ),
            path(
                "<int:partner_id>/export/",
                self.admin_site.admin_view(self.export_view),
                name="partners_partner_export",
            ),
            path(
                "<int:partner_id>/webhook-secret/",
                self.admin_site.admin_view(self.webhook_secret_view),
                name="partners_partner_webhook_secret",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="partners_partner_import",
            ),
        ]
        return own + self.proof_urls() + super().get_urls()

    def _partner(self, request, partner_id: int, *, change: bool) -> Partner:
        partner = partner_with_operations(partner_id=partner_id)
        if partner is None:
            raise Http404("No such partner.")
        allowed = (
            self.has_change_permission(request, partner)
            if change
            else self.has_view_permission(request, partner)
        )
        if not allowed:
            raise PermissionDenied
        return partner

    def _page(self, request, partner: Partner | None, template: str, title: str, **context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": partner,
                "title": title,
                **context,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        partner = (
            partner_with_operations(partner_id=int(object_id)) if object_id.isdigit() else None
        )
        if partner is not None:
            # Retiring has its own page, which says what it means before it is done.
            extra_context["next_statuses"] = [
                status
                for status in Partner.Status
                if status in ALLOWED_TRANSITIONS[partner.status]
                and status != Partner.Status.RETIRED
            ]
            extra_context["can_retire"] = (
                Partner.Status.RETIRED in ALLOWED_TRANSITIONS[partner.status]
            )
            extra_context["go_live_problems"] = partner_go_live_problems(partner)
            extra_context["recent_test_orders"] = partner.proofs.filter(
                kind=PartnerProof.Kind.TEST_ORDER
            )[:5]
            extra_context["versions"] = partner_versions(partner=partner)
        return super().change_view(request, object_id, form_url, extra_context)

    def test_connection_view(self, request, partner_id: int):
        # Change permission: the test makes a real call and writes to the call log.
        partner = self._partner(request, partner_id, change=True)
        form = ConnectionTestForm(
            request.POST or None, initial={"operation": request.GET.get("operation")}
        )
        result = None
        if request.method == "POST" and form.is_valid():
            result = partner_connection_test(
                partner=partner,
                operation=form.cleaned_data["operation"],
                value=form.cleaned_data["value"],
                by=request.user,
            )
        return self._page(
            request,
            partner,
            "admin/partners/partner/test_connection.html",
            f"Test connection: {partner}",
            form=form,
            result=result,
            refusal=None if partner_accepts_new_work(partner) else connection_test_refusal(partner),
        )

    def preview_mapping_view(self, request, partner_id: int):
        partner = self._partner(request, partner_id, change=False)
        # The choice comes with the posted form, or from the pickers (a GET, so no script needed).
        posted = request.method == "POST"
        choice_form = MappingChoiceForm(request.POST if posted else request.GET or None)
        operation, direction = choice_form.choice()
        saved = mapping_preview_initial(partner=partner, operation=operation, direction=direction)
        form = MappingPreviewForm(
            request.POST if posted else None,
            partner=partner,
            operation=operation,
            direction=direction,
            initial=saved,
        )
        result = None
        if posted and form.is_valid():
            result = mapping_preview_run(partner=partner, data=form.cleaned_data)
        return self._page(
            request,
            partner,
            "admin/partners/partner/preview_mapping.html",
            f"Preview mapping: {partner}",
            choice_form=MappingChoiceForm(initial={"operation": operation, "direction": direction}),
            operation_label=Operation(operation).label,
            has_operation=bool(saved),
            form=form,
            result=result,
            input_text=pretty_json(result.parsed_input) if result else "",
            operation_input_text=pretty_json(form.cleaned_data["operation_input"])
            if result and direction == "response"
            else "",
            output_text=pretty_json(result.output) if result else "",
            canonical_text=pretty_json(result.result) if result else "",
        )

    def status_view(self, request, partner_id: int):
        partner = self._partner(request, partner_id, change=True)
        if request.method != "POST":
            return redirect("admin:partners_partner_change", partner.pk)
        try:
            partner = partner_status_change(
                partner=partner,
                status=Partner.Status(request.POST.get("status", "")),
                by=request.user,
            )
        except (ValueError, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, f"{partner} is now {partner.get_status_display().lower()}.")
        return redirect("admin:partners_partner_change", partner.pk)

    def pending_view(self, request, partner_id: int):
        """Promote or discard the pending version (a button of the change page)."""
        partner = self._partner(request, partner_id, change=True)
        if request.method != "POST":
            return redirect("admin:partners_partner_change", partner.pk)
        action = request.POST.get("action")
        pending = partner.config_version
        try:
            if action == "promote":
                partner_pending_promote(partner=partner, user=request.user)
            elif action == "discard":
                partner_pending_discard(partner=partner, user=request.user)
            else:
                raise ValidationError("Choose Promote or Discard.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"Version {pending} of {partner} is live."
                if action == "promote"
                else f"The changes of version {pending} are discarded: {partner} is back at "
                f"version {partner.config_version}, which is live.",
            )
        return redirect("admin:partners_partner_change", partner.pk)

    def history_view(self, request, object_id, extra_context=None):
        if not str(object_id).isdigit():
            raise Http404("No such partner.")
        partner = self._partner(request, int(object_id), change=False)
        return self._page(
            request,
            partner,
            "admin/partners/partner/history.html",
            f"History: {partner}",
            entries=partner_history_entries(partner=partner),
        )

    def retire_view(self, request, partner_id: int):
        partner = self._partner(request, partner_id, change=True)
        if request.method == "POST":
            try:
                partner = partner_status_change(partner=partner, status=Partner.Status.RETIRED)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request, f"{partner} is retired: it takes no new lookups or orders."
                )
            return redirect("admin:partners_partner_change", partner.pk)
        return self._page(
            request,
            partner,
            "admin/partners/partner/retire.html",
            f"Retire {partner}",
            can_retire=Partner.Status.RETIRED in ALLOWED_TRANSITIONS[partner.status],
            never_called=partner_never_called(partner),
        )

    def webhook_secret_view(self, request, partner_id: int):
        """GET asks to confirm; POST replaces the stored secret and shows the new one this
        once. Not part of the change form: a secret shown in a form page would be sent back
        with it, and a generated one must reach the merchandiser exactly once."""
        partner = self._partner(request, partner_id, change=True)
        secret = None
        if request.method == "POST":
            secret = partner_webhook_secret_generate(partner=partner)
        # Admin views are never cached (Cache-Control: no-store), so the page is not kept either.
        return self._page(
            request,
            partner,
            "admin/partners/partner/webhook_secret.html",
            f"Webhook secret: {partner}",
            secret=secret,
            uses_webhook=partner.status_delivery == Partner.StatusDelivery.WEBHOOK,
        )

    def export_view(self, request, partner_id: int):
        partner = self._partner(request, partner_id, change=False)
        response = HttpResponse(partner_config_text(partner), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{partner.slug}.json"'
        return response

    def import_view(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = PartnerImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                partner = partner_config_import(data=form.cleaned_data["data"])
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, f"Imported {partner} (credentials are not imported).")
                if (versions := partner_versions(partner=partner)) and versions.pending:
                    messages.warning(
                        request,
                        f"It waits as pending version {versions.pending}: version "
                        f"{versions.live} keeps serving until you promote it.",
                    )
                if unset := partner_secret_headers_unset(partner):
                    messages.warning(
                        request,
                        f"Enter the values of its secret headers: {', '.join(unset)}.",
                    )
                if partner_webhook_secret_needed(partner):
                    messages.warning(request, "Enter or generate its webhook secret.")
                return redirect("admin:partners_partner_change", partner.pk)
        return self._page(
            request, None, "admin/partners/partner/import.html", "Import a partner", form=form
        )


@admin.register(OperationConfig)
class OperationConfigAdmin(ReadOnlyHistoryMixin, SimpleHistoryAdmin):
    """Read-only, for each configuration's history with diffs. Configurations are edited on
    their partner's page, where the go-live gate and the configuration version are kept."""

    list_display = ["partner", "operation", "method", "path_template"]
    list_filter = ["operation", "partner"]

    def get_queryset(self, request):
        return operation_configs_with_partner()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def history_view(self, request, object_id, extra_context=None):
        # One history for the partner and its operations: theirs, grouped by save.
        config = (
            OperationConfig.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        )
        if config is None:
            raise Http404("No such operation configuration.")
        return redirect("admin:partners_partner_history", config.partner_id)


@admin.register(PartnerCall)
class PartnerCallAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "partner",
        "operation",
        "method",
        "path",
        "status_code",
        "latency_ms",
        "outcome",
        "delivery",
        "attempt",
        "config_version",
    ]
    list_filter = ["outcome", "delivery", "operation", "partner"]
    date_hierarchy = "created_at"
    search_fields = ["path", "error"]

    def get_queryset(self, request):
        return partner_calls_with_partner()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
