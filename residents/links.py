"""The extension point through which other parts show what they made from a concern.

Convention: the *other* model holds the foreign key, named ``source_concern``::

    source_concern = models.ForeignKey(
        "residents.Concern", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="risk_points",  # or "disputes", "visits"
    )

and registers it once, in its AppConfig.ready()::

    from residents.links import ConcernLink, register_concern_link
    register_concern_link(ConcernLink(
        related_name="risk_points", label=_("Risk points"),
        create_url_name="risks:riskpoint_create",  # optional: ?source_concern=<pk> is appended
    ))

The concern page then lists, for each registered link, the linked objects the viewer may see
(``related_manager.visible_to(user)``, one query per link kind, whatever the number of rows),
each shown with ``str(obj)`` and ``obj.get_absolute_url()`` when it has one, plus a
"create from this concern" button when ``create_url_name`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass

_LINKS: dict[str, ConcernLink] = {}
_RESIDENT_LINKS: dict[str, ConcernLink] = {}


@dataclass(frozen=True)
class ConcernLink:
    related_name: str  # reverse accessor on Concern, e.g. "risk_points"
    label: str  # heading on the concern page (lazy translation)
    create_url_name: str | None = None  # view that creates one; gets ?source_concern=<pk>
    create_label: str | None = None
    limit: int = 20
    # Relations that str(obj) reads, fetched in the same query as the linked objects.
    select_related: tuple[str, ...] = ()


def register_concern_link(link: ConcernLink) -> None:
    _LINKS[link.related_name] = link


def unregister_concern_link(related_name: str) -> None:
    _LINKS.pop(related_name, None)


def concern_links() -> list[ConcernLink]:
    return list(_LINKS.values())


# The resident page works the same way: a visit's ``residents_met`` M2M (related_name
# "visits") or a dispute's party FK registers ``register_resident_link(ConcernLink(...))``
# and the resident page lists what the viewer may see of it.
ResidentLink = ConcernLink


def register_resident_link(link: ConcernLink) -> None:
    _RESIDENT_LINKS[link.related_name] = link


def unregister_resident_link(related_name: str) -> None:
    _RESIDENT_LINKS.pop(related_name, None)


def resident_links() -> list[ConcernLink]:
    return list(_RESIDENT_LINKS.values())
