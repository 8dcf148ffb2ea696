"""The profile's overview: the customer at a glance, a grid of panel partials.

Adding a panel is one `{% include %}` line in `customers/_profile_tab_overview.html`. A panel
whose data another area keeps (segment, orders, consent, requests, organisation) gets it from a
loader that area registers here at import, since this area imports none of them: the partial
reads `overview[name]`, which is None when the loader has nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable

from portal.customers.models import Customer

Loader = Callable[[Customer], object]

LOADERS: dict[str, Loader] = {}


def panel(name: str) -> Callable[[Loader], Loader]:
    def register(loader: Loader) -> Loader:
        LOADERS[name] = loader
        return loader

    return register


def load(customer: Customer) -> dict[str, object]:
    return {name: loader(customer) for name, loader in LOADERS.items()}
