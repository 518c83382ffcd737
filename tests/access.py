"""The generic access harness: every scoped page and API endpoint, for every tier.

Each app lists its scoped endpoints as ``ScopedEndpoint`` entries in
``tests/<app>/endpoints.py`` (``ENDPOINTS = [...]``); ``tests/test_access_matrix.py`` collects
them all and checks each one for each role of the world (tests/world.py):

- detail endpoints: allowed roles get 200; denied roles get 404 or 403 (never the object);
- list endpoints: every role gets 200, the home object's marker appears only for allowed roles;
- write endpoints (method post/patch/put/delete): allowed roles get ``ok_status``, denied ones
  404/403, and ``unchanged(world)`` must still hold after a denied attempt;
- anonymous: pages redirect to the login page, API endpoints answer 401 or 403.

The defaults encode the rule "own area visible, neighbouring station and other sub-bureau not
found": the object lives in grid cell A1-G1.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from django.test import Client
from django.urls import reverse

import tests
from tests.world import World

ALL_ROLES = (
    "admin",
    "staff_a",
    "staff_b",
    "chief_a1",
    "chief_a2",
    "chief_b1",
    "officer_a1",
    "officer_a1_other",
    "worker_a1",
    "officer_a2",
    "officer_b1",
    "no_profile",
)
# Who may see an object in the home grid cell A1-G1.
SEES_HOME_CELL = ("admin", "staff_a", "chief_a1", "officer_a1", "worker_a1")
# Who may act on it: grid workers have reduced rights unless a model allows them.
ACTS_IN_HOME_CELL = ("admin", "staff_a", "chief_a1", "officer_a1")
# Who may see station A1 as a whole (its officers see their own station).
SEES_STATION_A1 = ("admin", "staff_a", "chief_a1", "officer_a1", "officer_a1_other", "worker_a1")

DENIED_STATUSES = (403, 404)


@dataclass(frozen=True)
class ScopedEndpoint:
    name: str
    url: Callable[[World], str]
    kind: str = "detail"  # "detail" | "list"
    api: bool = False
    allowed: tuple[str, ...] = SEES_HOME_CELL
    method: str = "get"
    data: Callable[[World], dict] | None = None
    ok_status: int = 200
    marker: Callable[[World], str] | None = None  # list endpoints: text of the home object
    unchanged: Callable[[World], bool] | None = None  # writes: holds after a denied attempt

    def __str__(self) -> str:
        return self.name


def collect_endpoints() -> list[ScopedEndpoint]:
    """Every ``ENDPOINTS`` list under tests/<app>/endpoints.py."""
    endpoints: list[ScopedEndpoint] = []
    for module in pkgutil.iter_modules(tests.__path__):
        if not module.ispkg:
            continue
        try:
            found = importlib.import_module(f"tests.{module.name}.endpoints")
        except ModuleNotFoundError:
            continue
        endpoints.extend(found.ENDPOINTS)
    return endpoints


def _request(client: Client, endpoint: ScopedEndpoint, world: World):
    url = endpoint.url(world)
    method = getattr(client, endpoint.method)
    if endpoint.method == "get":
        return method(url, HTTP_ACCEPT="application/json" if endpoint.api else "text/html")
    data = endpoint.data(world) if endpoint.data else {}
    if endpoint.api:
        return method(url, data=data, content_type="application/json")
    return method(url, data=data)


def assert_role_access(client: Client, world: World, endpoint: ScopedEndpoint, role: str) -> None:
    client.force_login(world.user(role))
    response = _request(client, endpoint, world)
    allowed = role in endpoint.allowed
    where = f"{endpoint.name} as {role}: {response.status_code}"
    if endpoint.kind == "list":
        assert response.status_code in (200, *DENIED_STATUSES), where
        if response.status_code == 200 and endpoint.marker:
            body = response.content.decode()
            marker = endpoint.marker(world)
            if allowed:
                assert marker in body, f"{where}: {marker!r} missing from own list"
            else:
                assert marker not in body, f"{where}: {marker!r} leaked into the list"
        elif allowed:
            raise AssertionError(f"{where}: allowed role refused")
        return
    if allowed:
        assert response.status_code == endpoint.ok_status, where
    else:
        assert response.status_code in DENIED_STATUSES, where
        if endpoint.unchanged is not None:
            assert endpoint.unchanged(world), f"{where}: a denied request changed data"


def assert_anonymous_refused(client: Client, world: World, endpoint: ScopedEndpoint) -> None:
    client.logout()
    response = _request(client, endpoint, world)
    where = f"{endpoint.name} as anonymous: {response.status_code}"
    if endpoint.api:
        assert response.status_code in (401, 403), where
    else:
        assert response.status_code == 302, where
        assert response["Location"].startswith(reverse("login")), where
    if endpoint.unchanged is not None:
        assert endpoint.unchanged(world), f"{where}: an anonymous request changed data"
