"""Code adapters, for the rare partner whose API mappings cannot express. Declarative is default.

A code adapter subclasses PartnerAdapter and registers itself with `@adapter_register("name")`
in a module imported from `partners/adapters/__init__.py`; merchandisers then pick it per partner.
Its lookup, search, similar and place_order (unless re-sending) call `self.new_work_check(...)`
first, so a paused or retired partner gets no new work.
"""

from collections.abc import Callable

from partners.adapters.base import PartnerAdapter
from partners.models import Partner

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


def _load_builtin_adapters() -> None:
    import partners.adapters.declarative  # noqa: F401 - registers itself
