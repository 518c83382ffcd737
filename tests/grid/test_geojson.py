import pytest
from django.core.exceptions import ValidationError

from grid.geojson import polygon_bounds, polygon_centroid, rectangle, validate_polygon


def test_rectangle_is_valid_and_has_its_centre():
    polygon = rectangle(114.0, 22.5, 114.02, 22.52)
    validate_polygon(polygon)
    assert polygon_bounds(polygon) == (114.0, 22.5, 114.02, 22.52)
    lon, lat = polygon_centroid(polygon)
    assert lon == pytest.approx(114.01) and lat == pytest.approx(22.51)


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        ({"type": "Point", "coordinates": [1, 2]}, "Polygon"),
        ({"type": "Polygon", "coordinates": []}, "at least one ring"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least 4"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "not closed"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}, "outside"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [2, 2], [0, 0]]]}, "no area"),
    ],
)
def test_invalid_polygons_say_why(geometry, reason):
    with pytest.raises(ValueError, match=reason):
        validate_polygon(geometry)


@pytest.mark.django_db
def test_grid_cell_clean_names_the_boundary_field(world):
    cell = world.home_cell
    cell.boundary = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}
    with pytest.raises(ValidationError) as error:
        cell.full_clean()
    assert "boundary" in error.value.message_dict
