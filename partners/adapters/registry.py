"""Code adapters, for the rare partner whose API mappings cannot express. Declarative is default.

A code adapter subclasses PartnerAdapter and registers itself with `@adapter_register("name")`
in a module imported from `partners/adapters/__init__.py`; merchandisers then pick it per partner.

Which adapter to ask for:
- `live_adapter_for(partner)` for every runtime call: the catalogue's lookups, search and
  similar items, placing orders, status sync and cancelling. It uses the partner's **live
  version** (`partners.live_versions`): a change waiting as a pending version is never sent to
  associates' or customers' calls, and each call records the live version in the call log.
  It raises `PartnerNeverLive` for a partner that has never gone live; it does not look at the
  status, so status sync can still reach a paused partner: the caller picks the partners.
- `adapter_for(partner)` only for the admin's tools that prove the newest configuration (Test
  connection, test orders, the go-live gate): it uses the partner's rows as they are.

An adapter's lookup, search, similar and place_order (unless re-sending) call
`self.new_work_check(...)` first, so a paused or retired partner gets no new work; a code
adapter must do the same.
"""

from collections.abc import Callable

from partners.adapters.base import PartnerAdapter
from partners.models import Partner, PartnerLiveVersion

_ADAPTERS: dict[str, type[PartnerAdapter]] = {}


def adapter_register(name: str) -> Callable[[type[PartnerAdapter]], type[PartnerAdapter]]:
    def register(adapter_class: type[PartnerAdapter]) -> type[PartnerAdapter]:
        if name in _ADAPTERS and _ADAPTERS[name] is not adapter_class:
            raise ValueError(f"An adapter named {name!r} is already registered.")
        _ADAPTERS[name] = adapter_class
        return adapter_class

    return register


def adapter_names() -> list[str]:
    _load_builtin_adapters()
    return sorted(_ADAPTERS)


def adapter_for(partner: Partner) -> PartnerAdapter:
    _load_builtin_adapters()
    try:
        adapter_class = _ADAPTERS[partner.adapter]
    except KeyError:
        raise LookupError(
            f"{partner} uses the adapter {partner.adapter!r}, which does not exist."
        ) from None
    return adapter_class(partner)


def live_adapter_for(partner: Partner, live: PartnerLiveVersion | None = None) -> PartnerAdapter:
    """`live` is the partner's live version when the caller has read it already (the
    catalogue reads all its partners' in one query); else it is read here."""
    from partners.live_versions import partner_as_served, partner_served  # they import us

    if live is None:
        return adapter_for(partner_served(partner))
    return adapter_for(partner_as_served(partner, live))


def _load_builtin_adapters() -> None:
    import partners.adapters.declarative  # noqa: F401 - registers itself
