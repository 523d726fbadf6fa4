"""The partner admin's lists and pages read through partners/selectors.py, each in a fixed number
of queries however many rows they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import PartnerCall
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_config
from partners.services import partner_config_import
from tests.partners.admin_pages import url

pytestmark = pytest.mark.django_db


def import_partners(names: list[PartnerName]) -> list:
    partners = [partner_config_import(data=sandbox_config(name)) for name in names]
    for partner in partners:
        for operation in ("lookup", "search"):
            PartnerCall.objects.create(
                partner=partner,
                operation=operation,
                method="GET",
                path="/x",
                outcome=PartnerCall.Outcome.OK,
                config_version=partner.config_version,
            )
    return partners


def queries_for(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/partners/partner/",
        "/admin/partners/operationconfig/",
        "/admin/partners/partnercall/",
    ],
)
def test_a_changelist_takes_as_many_queries_for_three_partners_as_for_one(merchandiser, path):
    import_partners([PartnerName.THREADLINE])
    queries_for(merchandiser, path)  # fills caches kept across requests
    one = queries_for(merchandiser, path)
    import_partners([PartnerName.STRIDEWELL, PartnerName.HEARTH])

    three = queries_for(merchandiser, path)

    assert three == one


def test_the_change_page_takes_as_many_queries_for_six_operations_as_for_two(merchandiser):
    few, many = import_partners([PartnerName.THREADLINE, PartnerName.HEARTH])
    few.operations.exclude(operation__in=["lookup", "place_order"]).delete()
    queries_for(merchandiser, url("change", few.pk))  # fills caches kept across requests

    two = queries_for(merchandiser, url("change", few.pk))
    six = queries_for(merchandiser, url("change", many.pk))

    assert six == two
