"""Which grid cell lies under a map pin (GeoJSON polygons in GridCell.boundary)."""

from __future__ import annotations

from grid.models import GridCell


def _in_ring(x: float, y: float, ring: list) -> bool:
    inside = False
    count = len(ring)
    for i in range(count):
        x1, y1 = ring[i][0], ring[i][1]
        x2, y2 = ring[(i + 1) % count][0], ring[(i + 1) % count][1]
        if (y1 > y) != (y2 > y):
            crossing = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < crossing:
                inside = not inside
    return inside


def point_in_polygon(longitude: float, latitude: float, geometry: dict) -> bool:
    """Ray casting on a GeoJSON Polygon or MultiPolygon (holes respected)."""
    if not geometry:
        return False
    kind = geometry.get("type")
    polygons = [geometry.get("coordinates", [])]
    if kind == "MultiPolygon":
        polygons = geometry.get("coordinates", [])
    elif kind != "Polygon":
        return False
    for rings in polygons:
        if (
            rings
            and _in_ring(longitude, latitude, rings[0])
            and not any(_in_ring(longitude, latitude, hole) for hole in rings[1:])
        ):
            return True
    return False


def cell_at(*, community_id: int, longitude: float, latitude: float) -> GridCell | None:
    """The grid cell of the community under the pin (a community has a few dozen cells)."""
    cells = GridCell.objects.filter(community_id=community_id, boundary__isnull=False).only(
        "pk", "boundary", "community_id"
    )
    for cell in cells:
        if point_in_polygon(longitude, latitude, cell.boundary):
            return cell
    return None
