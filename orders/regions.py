"""The region line of an address: a state or province chosen from ISO 3166-2's list where the
carriers need one (US, CA), free text elsewhere.

US territories (PR, GU, VI…) are countries of their own in ISO 3166-1, so the US list holds
the states and DC only.
"""

from dataclasses import dataclass
from functools import cache

import pycountry


@dataclass(frozen=True)
class RegionRule:
    label: str
    required: bool
    choices: tuple[tuple[str, str], ...] = ()  # (code, name), by name; empty: free text


_LISTED = {
    "US": ("State", {"State", "District"}),
    "CA": ("Province or territory", {"Province", "Territory"}),
}
_LABELS = {"GB": "County", "IE": "County"}
REGION_MAX_CHARS = 100


@cache
def region_rule(country: str) -> RegionRule:
    if country in _LISTED:
        label, types = _LISTED[country]
        choices = sorted(
            (
                (subdivision.code.removeprefix(f"{country}-"), subdivision.name)
                for subdivision in pycountry.subdivisions.get(country_code=country)
                if subdivision.type in types
            ),
            key=lambda choice: choice[1],
        )
        return RegionRule(label, required=True, choices=tuple(choices))
    return RegionRule(_LABELS.get(country, "Region"), required=False)


def region_code(rule: RegionRule, typed: str) -> str | None:
    """The code of the listed region `typed` names (by code or by name, in any case), or None
    when it names none."""
    wanted = typed.strip().casefold()
    for code, name in rule.choices:
        if wanted in (code.casefold(), name.casefold()):
            return code
    return None
