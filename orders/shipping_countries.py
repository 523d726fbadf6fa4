"""Where a cart can be delivered: only to countries every partner in it ships to (each
partner's `ships_to`, partners/facts.py), and why the others are not offered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django_countries import countries


@dataclass(frozen=True)
class PartnerCountries:
    name: str
    ships_to: frozenset[str]  # ISO 3166-1 alpha-2 codes


@dataclass(frozen=True)
class ShippingCountries:
    """The countries a cart's partners all ship to, with each partner's own list."""

    partners: tuple[PartnerCountries, ...]

    @classmethod
    def of(cls, partners: Iterable[Any]) -> ShippingCountries:
        """From partners with `name` and `ships_to` (the model's list of countries)."""
        return cls(
            tuple(
                PartnerCountries(partner.name, frozenset(str(c) for c in partner.ships_to))
                for partner in partners
            )
        )

    @property
    def allowed(self) -> frozenset[str]:
        if not self.partners:
            return frozenset()
        return frozenset.intersection(*(partner.ships_to for partner in self.partners))

    def why_not(self, country: str) -> str:
        """Why delivery to `country` is not offered: the partners that do not ship there."""
        missing = [p.name for p in self.partners if country not in p.ships_to]
        if not missing:
            return ""
        return f"{_names(missing)} {'does' if len(missing) == 1 else 'do'} not ship to " + (
            f"{countries.name(country) or country}."
        )

    def explanation(self) -> str:
        """For the country field's help: why the list is shorter than the world; "" when no
        partner's list was cut."""
        if not self.partners:
            return "The cart is empty."
        if self.allowed and all(p.ships_to == self.allowed for p in self.partners):
            return ""
        lead = (
            "Only countries every partner in the cart ships to"
            if self.allowed
            else "No country is shipped to by every partner in the cart"
        )
        each = "; ".join(f"{p.name} ships to {_country_list(p.ships_to)}" for p in self.partners)
        return f"{lead}: {each}."


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _country_list(codes: frozenset[str]) -> str:
    return ", ".join(sorted(codes)) or "no country"
