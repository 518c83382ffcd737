"""Just enough GeoJSON for grid-cell boundaries: validation, bounds and centroid.

Boundaries are stored as GeoJSON Polygons (WGS 84 longitude/latitude) so the map can draw them
without a GIS extension in the database.
"""

from __future__ import annotations

import itertools


def validate_polygon(geometry: object) -> None:
    """Raise ValueError with a reason if ``geometry`` is not a valid GeoJSON Polygon."""
    if not isinstance(geometry, dict) or geometry.get("type") != "Polygon":
        raise ValueError("must be a GeoJSON object of type Polygon")
    rings = geometry.get("coordinates")
    if not isinstance(rings, list) or not rings:
        raise ValueError("a Polygon needs at least one ring of coordinates")
    for index, ring in enumerate(rings):
        where = "outer ring" if index == 0 else f"hole {index}"
        if not isinstance(ring, list) or len(ring) < 4:
            raise ValueError(f"the {where} needs at least 4 positions")
        for position in ring:
            if (
                not isinstance(position, list | tuple)
                or len(position) < 2
                or not all(isinstance(value, int | float) for value in position[:2])
            ):
                raise ValueError(f"the {where} has a position that is not [longitude, latitude]")
            longitude, latitude = position[0], position[1]
            if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
                raise ValueError(f"the {where} has a position outside longitude/latitude range")
        if list(ring[0][:2]) != list(ring[-1][:2]):
            raise ValueError(f"the {where} is not closed (first and last positions differ)")
        if abs(_signed_area(ring)) == 0:
            raise ValueError(f"the {where} has no area")


def _signed_area(ring: list) -> float:
    return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in itertools.pairwise(ring))


def polygon_bounds(geometry: dict) -> tuple[float, float, float, float]:
    """(min longitude, min latitude, max longitude, max latitude) of the outer ring."""
    ring = geometry["coordinates"][0]
    longitudes = [position[0] for position in ring]
    latitudes = [position[1] for position in ring]
    return min(longitudes), min(latitudes), max(longitudes), max(latitudes)


def polygon_centroid(geometry: dict) -> tuple[float, float]:
    """Area-weighted centroid (longitude, latitude) of the outer ring."""
    ring = geometry["coordinates"][0]
    area = _signed_area(ring)
    if area == 0:
        west, south, east, north = polygon_bounds(geometry)
        return (west + east) / 2, (south + north) / 2
    cx = cy = 0.0
    for (x1, y1, *_), (x2, y2, *_) in itertools.pairwise(ring):
        cross = x1 * y2 - x2 * y1
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return cx / (6 * area), cy / (6 * area)


def rectangle(west: float, south: float, east: float, north: float) -> dict:
    """A closed, counter-clockwise rectangular Polygon."""
    ring = [
        [round(west, 6), round(south, 6)],
        [round(east, 6), round(south, 6)],
        [round(east, 6), round(north, 6)],
        [round(west, 6), round(north, 6)],
        [round(west, 6), round(south, 6)],
    ]
    return {"type": "Polygon", "coordinates": [ring]}
