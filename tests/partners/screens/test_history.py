"""The partner's History: one entry per save with the version it left, who saved, field changes,
full unified diffs of mappings, and "credentials changed" without values."""

from html import unescape

import pytest

from partners.services import (
    partner_credentials_rotate,
    partner_credentials_set,
)
from stores.roles import Role
from tests.partners.admin_pages import change_page_form, url

pytestmark = pytest.mark.django_db

OLD_LINE = '  "description": description,'
NEW_LINE = (
    '  "description": $substring(description & " (a line longer than ninety-six characters, '
    'so the diff must not cut it)", 0, 500),'
)


@pytest.fixture
def merchandiser_user(user_in_role):
    return user_in_role(Role.MERCHANDISER, stores=[], username="mara")


def history(merchandiser, partner):
    response = merchandiser.get(url("history", partner.pk))
    assert response.status_code == 200
    return response


def summaries(entry) -> list[tuple[str, str]]:
    return [(change.subject, change.summary) for change in entry.changes]


def test_an_import_is_one_entry_with_the_partner_and_its_operations(merchandiser, draft_threadline):
    entries = history(merchandiser, draft_threadline).context["entries"]

    assert len(entries) == 1
    assert entries[0].version == draft_threadline.config_version == 2
    assert entries[0].who == "system"
    assert summaries(entries[0])[0] == ("Partner", "Partner created")
    added = [summary for subject, summary in summaries(entries[0]) if summary.startswith("Oper")]
    assert len(added) == 6


def test_one_save_is_one_entry_with_its_version_author_and_full_mapping_diff(
    merchandiser, draft_threadline
):
    # Given the change page saved once with a new name and a longer lookup mapping
    mapping = draft_threadline.operations.get(operation="lookup").response_mapping
    form = change_page_form(draft_threadline, lookup=mapping.replace(OLD_LINE, NEW_LINE))
    form["name"] = "Threadline UK"
    saved = merchandiser.post(url("change", draft_threadline.pk), form)
    draft_threadline.refresh_from_db()

    response = history(merchandiser, draft_threadline)

    # Then one entry tells the whole save, at the version it produced, by who saved it
    entries = response.context["entries"]
    assert saved.status_code == 302
    assert len(entries) == 2
    latest = entries[0]
    assert (latest.version, latest.who) == (draft_threadline.config_version, "mara")
    assert latest.version == entries[1].version + 1
    assert summaries(latest) == [
        ("Partner", "Name: Threadline → Threadline UK"),
        ("Look up by code", "Response mapping changed"),
    ]
    assert latest.changes[1].diff == "\n".join(
        [
            "--- response_mapping before",
            "+++ response_mapping after",
            "@@ -4,7 +4,7 @@",
            '   "partner_product_id": product_number,',
            '   "name": name,',
            '   "brand": brand,',
            f"-{OLD_LINE}",
            f"+{NEW_LINE}",
            '   "category": category,',
            '   "currency": currency,',
            '   "images": images[],',
        ]
    )
    text = unescape(response.content.decode())
    assert f"+{NEW_LINE}" in text
    assert "None" not in text


def test_a_secret_change_shows_as_credentials_changed_without_the_value(
    merchandiser, draft_threadline
):
    form = change_page_form(draft_threadline)
    form["secret_api_key"] = "tl-rotated-key-5521"
    merchandiser.post(url("change", draft_threadline.pk), form)
    draft_threadline.refresh_from_db()

    response = history(merchandiser, draft_threadline)

    latest = response.context["entries"][0]
    assert summaries(latest) == [("Credentials", "Credentials changed (not shown)")]
    assert (latest.version, latest.who) == (draft_threadline.config_version, "mara")
    assert "tl-rotated-key-5521" not in response.content.decode()


def test_two_saves_are_two_entries_with_their_own_versions(merchandiser, draft_threadline):
    # Given two saves of a field that shapes calls (a name change would not raise the version)
    for timeout in ["3100", "3200"]:
        form = change_page_form(draft_threadline)
        form["read_timeout_ms"] = timeout
        merchandiser.post(url("change", draft_threadline.pk), form)
    merchandiser.post(url("status", draft_threadline.pk), {"status": "testing"})
    draft_threadline.refresh_from_db()

    entries = history(merchandiser, draft_threadline).context["entries"]

    assert [(entry.version, summaries(entry)) for entry in entries[:3]] == [
        # A status change is an entry of its own but changes no configuration: same version
        (draft_threadline.config_version, [("Partner", "Status: Draft → Testing")]),
        (draft_threadline.config_version, [("Partner", "Read timeout ms: 3100 → 3200")]),
        (draft_threadline.config_version - 1, [("Partner", "Read timeout ms: 3000 → 3100")]),
    ]


def test_removing_an_operation_shows_as_removed(merchandiser, draft_threadline):
    merchandiser.post(
        url("change", draft_threadline.pk), change_page_form(draft_threadline, delete=["similar"])
    )

    entries = history(merchandiser, draft_threadline).context["entries"]

    assert summaries(entries[0]) == [("Similar items", "Operation removed")]


def test_rotating_the_credential_keys_adds_no_history(merchandiser, draft_threadline):
    partner_credentials_set(partner=draft_threadline, values={"api_key": "tl-key-1"})
    before = len(history(merchandiser, draft_threadline).context["entries"])

    assert partner_credentials_rotate() == 1

    assert len(history(merchandiser, draft_threadline).context["entries"]) == before == 2
