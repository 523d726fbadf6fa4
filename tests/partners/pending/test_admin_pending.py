"""The partner's page for a live partner with a pending version: what it shows, Promote and
Discard, and which edits make a pending version at all."""

import json
from html import unescape

import pytest
from django.urls import reverse

from partners.adapters.registry import live_adapter_for
from partners.config_files import partner_config_export
from partners.models import PartnerCall, PartnerLiveVersion
from stores.roles import Role
from tests.partners.admin_pages import change_page_form, messages_of, page_text, url
from tests.partners.pending.conftest import fresh, proved, unproven_problems

pytestmark = pytest.mark.django_db


def lookup_mapping(partner) -> str:
    return partner.operations.get(operation="lookup").response_mapping


def renamed(partner) -> str:
    return lookup_mapping(partner).replace('"name": name', '"name": "NEW " & name', 1)


def test_editing_only_fields_that_shape_no_call_applies_at_once_without_a_version(
    merchandiser, threadline, gtin
):
    version = threadline.config_version
    frozen = PartnerLiveVersion.objects.get(partner=threadline)
    form = change_page_form(threadline) | {
        "name": "Threadline Ltd",
        "priority": "5",
        "contact_email": "trade@threadline.example",
        "categories": '["apparel"]',
    }

    response = merchandiser.post(url("change", threadline.pk), form)

    partner = fresh(threadline)
    assert response.status_code == 302
    assert (partner.name, partner.priority, partner.contact_email, partner.categories) == (
        "Threadline Ltd",
        5,
        "trade@threadline.example",
        ["apparel"],
    )
    assert partner.config_version == version
    after = PartnerLiveVersion.objects.get(partner=threadline)
    assert (after.config_version, after.config) == (version, frozen.config)
    served = live_adapter_for(partner).partner
    assert (served.name, served.priority, served.config_version) == ("Threadline Ltd", 5, version)
    assert "Pending" not in page_text(merchandiser.get(url("change", threadline.pk)))


def pending_problems(response) -> list[str]:
    return [
        unescape(item.split(">", 1)[1].rsplit("</a>", 1)[0])
        for item in response.content.decode()
        .split('data-testid="pending-problems">', 1)[1]
        .split("</ul>", 1)[0]
        .split("<li>")[1:]
    ]


def test_editing_a_mapping_makes_a_pending_version_the_page_lists_what_to_prove(
    merchandiser, threadline
):
    live = threadline.config_version

    response = merchandiser.post(
        url("change", threadline.pk), change_page_form(threadline, lookup=renamed(threadline))
    )
    page = merchandiser.get(url("change", threadline.pk))

    assert response.status_code == 302
    assert fresh(threadline).config_version == live + 1
    assert f"Live: version {live} serving · Pending: version {live + 1}" in page_text(page)
    assert f"Before version {live + 1} can replace version {live}, fix:" in page_text(page)
    assert pending_problems(page) == unproven_problems(live)
    assert f"disabled>Promote version {live + 1}</button>" in page.content.decode()
    assert "Discard pending changes" in page_text(page)
    assert "passes the go-live checks" not in page_text(page)
    assert PartnerLiveVersion.objects.get(partner=threadline).config_version == live


def test_once_the_pending_version_is_proven_the_page_offers_promote(merchandiser, threadline):
    live = threadline.config_version
    merchandiser.post(
        url("change", threadline.pk), change_page_form(threadline, lookup=renamed(threadline))
    )

    proved(threadline)
    page = merchandiser.get(url("change", threadline.pk))

    assert f"Version {live + 1} passes the go-live checks." in page_text(page)
    assert 'data-testid="pending-problems"' not in page.content.decode()
    assert (
        f'<button type="submit" form="partner-pending-promote" class="button">'
        f"Promote version {live + 1}</button>"
    ) in page.content.decode()
    assert PartnerLiveVersion.objects.get(partner=threadline).config_version == live


def test_editing_the_base_url_makes_a_pending_version(merchandiser, threadline):
    live = threadline.config_version
    form = change_page_form(threadline) | {"base_url": "https://api.threadline.example"}

    merchandiser.post(url("change", threadline.pk), form)

    assert fresh(threadline).base_url == "https://api.threadline.example"
    assert fresh(threadline).config_version == live + 1
    live_version = PartnerLiveVersion.objects.get(partner=threadline)
    assert live_version.config["partner"]["base_url"] == threadline.base_url


def test_promote_button_makes_the_pending_version_live(merchandiser, merchandiser_user, threadline):
    live = threadline.config_version
    merchandiser.post(
        url("change", threadline.pk),
        change_page_form(threadline, lookup=renamed(threadline)),
        follow=True,  # the change page shows, and so consumes, the save's message
    )
    proved(threadline)

    response = merchandiser.post(url("pending", threadline.pk), {"action": "promote"})

    assert response.status_code == 302
    assert messages_of(response) == [f"Version {live + 1} of Threadline is live."]
    promoted = PartnerLiveVersion.objects.get(partner=threadline)
    assert (promoted.config_version, promoted.promoted_by) == (live + 1, merchandiser_user)
    page = page_text(merchandiser.get(url("change", threadline.pk)))
    assert f"Live: version {live + 1} serving" in page
    assert f"(promoted by {merchandiser_user.get_username()})" in page
    assert "Pending" not in page


def test_the_promote_button_of_an_unproven_version_says_why_and_changes_nothing(
    merchandiser, threadline
):
    live = threadline.config_version
    frozen = PartnerLiveVersion.objects.get(partner=threadline)
    merchandiser.post(
        url("change", threadline.pk),
        change_page_form(threadline, lookup=renamed(threadline)),
        follow=True,  # the change page shows, and so consumes, the save's message
    )

    response = merchandiser.post(url("pending", threadline.pk), {"action": "promote"})

    assert messages_of(response) == [
        " ".join(
            [
                f"Version {live + 1} cannot replace live version {live} yet:",
                *unproven_problems(live),
            ]
        )
    ]
    after = PartnerLiveVersion.objects.get(partner=threadline)
    assert (after.config_version, after.promoted_at) == (live, frozen.promoted_at)
    assert fresh(threadline).config_version == live + 1
    assert not PartnerCall.objects.exists()


def test_discard_button_restores_the_live_version(merchandiser, threadline):
    live = threadline.config_version
    mapping = lookup_mapping(threadline)
    merchandiser.post(
        url("change", threadline.pk),
        change_page_form(threadline, lookup=renamed(threadline)),
        follow=True,  # the change page shows, and so consumes, the save's message
    )

    response = merchandiser.post(url("pending", threadline.pk), {"action": "discard"})

    assert messages_of(response) == [
        f"The changes of version {live + 1} are discarded: Threadline is back at "
        f"version {live}, which is live."
    ]
    assert lookup_mapping(fresh(threadline)) == mapping
    assert fresh(threadline).config_version == live


def test_promote_without_pending_changes_says_so_and_changes_nothing(merchandiser, threadline):
    frozen = PartnerLiveVersion.objects.get(partner=threadline)

    response = merchandiser.post(url("pending", threadline.pk), {"action": "promote"})

    assert messages_of(response) == [
        f"Threadline has no pending changes: version {threadline.config_version} is live."
    ]
    assert PartnerLiveVersion.objects.get(partner=threadline).promoted_at == frozen.promoted_at


def test_an_unknown_action_is_refused(merchandiser, threadline):
    response = merchandiser.post(url("pending", threadline.pk), {"action": "publish"})

    assert messages_of(response) == ["Choose Promote or Discard."]


@pytest.mark.parametrize("role", [Role.ASSOCIATE, Role.MANAGER])
def test_other_roles_cannot_promote_or_discard(client, user_in_role, threadline, role):
    client.force_login(user_in_role(role))
    threadline.base_url = "https://api.threadline.example"
    threadline.save(update_fields=["base_url"])
    threadline.config_version += 1
    threadline.save(update_fields=["config_version"])

    for action in ("promote", "discard"):
        response = client.post(url("pending", threadline.pk), {"action": action})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    assert PartnerLiveVersion.objects.get(partner=threadline).config_version == (
        threadline.config_version - 1
    )
    assert fresh(threadline).base_url == "https://api.threadline.example"
    assert not PartnerCall.objects.exists()


def test_saving_the_page_unchanged_makes_no_version(merchandiser, threadline):
    version = threadline.config_version

    response = merchandiser.post(url("change", threadline.pk), change_page_form(threadline))

    assert response.status_code == 302
    assert fresh(threadline).config_version == version
    assert PartnerLiveVersion.objects.get(partner=threadline).config_version == version


def test_a_new_api_key_typed_on_the_page_waits_while_the_live_key_answers(
    merchandiser, threadline, gtin
):
    live = threadline.config_version
    form = change_page_form(threadline) | {"secret_api_key": "a-wrong-key"}

    merchandiser.post(url("change", threadline.pk), form)
    served = live_adapter_for(fresh(threadline)).lookup(gtin)
    tested = merchandiser.post(
        url("test_connection", threadline.pk), {"operation": "lookup", "value": gtin}
    )

    assert fresh(threadline).config_version == live + 1
    assert served is not None
    assert tested.context["result"].ok is False
    assert list(
        PartnerCall.objects.filter(partner=threadline)
        .order_by("pk")
        .values_list("outcome", "config_version")
    ) == [("ok", live), ("auth_failed", live + 1)]


def test_importing_a_live_partner_says_it_waits_as_a_pending_version(merchandiser, threadline):
    live = threadline.config_version
    data = partner_config_export(threadline)
    data["partner"]["read_timeout_ms"] = 2000

    response = merchandiser.post(url("import"), {"text": json.dumps(data)})

    assert response.status_code == 302
    assert messages_of(response) == [
        "Imported Threadline (credentials are not imported).",
        f"It waits as pending version {live + 1}: version {live} keeps serving until you "
        "promote it.",
    ]
    assert fresh(threadline).read_timeout_ms == 2000
    assert (
        PartnerLiveVersion.objects.get(partner=threadline).config["partner"]["read_timeout_ms"]
        == 3000
    )
