"""The partner admin's go-live tools: Send test order (and cancel it) and the sign-off of orders
for a partner without a test mode. Thin views over partners/test_orders.py and partners/proofs.py;
like Test connection, they call partners outside any transaction."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path

from partners.adapters.base import CallTrace
from partners.connection_test import pretty_json
from partners.go_live import offered_operations
from partners.live_versions import partner_being_proven
from partners.models import Partner, PartnerProof
from partners.operations import Operation
from partners.proof_forms import SignOffForm, TestOrderForm
from partners.proofs import place_order_sign_off
from partners.test_orders import partner_test_order_cancel, partner_test_order_send, test_order_new


def trace_shown(trace: CallTrace) -> dict:
    """One request of a test order as the page shows it."""
    return {
        "ok": trace.error is None,
        "request_line": trace.request_line,
        "request_body": trace.request_body,
        "status": trace.status,
        "latency_ms": trace.latency_ms,
        "raw_body": trace.raw_body,
        "mapped": "" if trace.mapped is None else pretty_json(trace.mapped),
        "canonical": "" if trace.result is None else pretty_json(trace.result),
        "errors": trace.errors,
    }


class ProofToolsMixin:
    """Views for PartnerAdmin; `proof_urls()` goes into its get_urls."""

    def proof_urls(self):
        return [
            path(
                "<int:partner_id>/test-order/",
                self.admin_site.admin_view(self.test_order_view),
                name="partners_partner_test_order",
            ),
            path(
                "<int:partner_id>/test-order/<int:proof_id>/cancel/",
                self.admin_site.admin_view(self.test_order_cancel_view),
                name="partners_partner_test_order_cancel",
            ),
            path(
                "<int:partner_id>/sign-off/",
                self.admin_site.admin_view(self.sign_off_view),
                name="partners_partner_sign_off",
            ),
        ]

    def _test_order_page(self, request, partner: Partner, form, **context):
        return self._page(
            request,
            partner,
            "admin/partners/partner/test_order.html",
            f"Send test order: {partner}",
            form=form,
            in_testing=partner_being_proven(partner),
            # False for an adapter the code no longer has: the page says so where it sends.
            can_cancel=Operation.CANCEL_ORDER in offered_operations(partner),
            recent=partner.proofs.filter(kind=PartnerProof.Kind.TEST_ORDER)[:5],
            **context,
        )

    def test_order_view(self, request, partner_id: int):
        # Change permission: the partner receives a real order, and it is recorded.
        partner = self._partner(request, partner_id, change=True)
        form = TestOrderForm(request.POST or None, partner=partner)
        if request.method != "POST" or not form.is_valid():
            return self._test_order_page(request, partner, form)
        lines, ship_to, customer = form.order_parts()
        order = test_order_new(partner, lines, ship_to, customer)
        try:
            proof, traces = partner_test_order_send(partner=partner, order=order, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return self._test_order_page(request, partner, form)
        return self._test_order_page(
            request, partner, form, proof=proof, traces=[trace_shown(trace) for trace in traces]
        )

    def test_order_cancel_view(self, request, partner_id: int, proof_id: int):
        partner = self._partner(request, partner_id, change=True)
        if request.method != "POST":
            return redirect("admin:partners_partner_test_order", partner.pk)
        proof = partner.proofs.filter(pk=proof_id, kind=PartnerProof.Kind.TEST_ORDER).first()
        if proof is None:
            raise Http404("No such test order.")
        try:
            trace = partner_test_order_cancel(
                proof=proof,
                partner_order_id=request.POST.get("partner_order_id", ""),
                by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("admin:partners_partner_test_order", partner.pk)
        return self._test_order_page(
            request,
            partner,
            TestOrderForm(partner=partner),
            proof=proof,
            cancelled=trace_shown(trace),
        )

    def sign_off_view(self, request, partner_id: int):
        partner = self._partner(request, partner_id, change=True)
        form = SignOffForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                place_order_sign_off(
                    partner=partner, reason=form.cleaned_data["reason"], by=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"Orders of {partner} are signed off at configuration version "
                    f"{partner.config_version}.",
                )
                return redirect("admin:partners_partner_change", partner.pk)
        return self._page(
            request,
            partner,
            "admin/partners/partner/sign_off.html",
            f"Sign off orders: {partner}",
            form=form,
            in_testing=partner_being_proven(partner),
        )
