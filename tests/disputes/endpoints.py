"""The disputes app's scoped pages and API endpoints, for the access matrix (tests/access.py).

The home case lives in grid cell A1-G1 (tests/disputes/helpers.py ``home_case``)."""

from tests.disputes.api_endpoints import API_ENDPOINTS
from tests.disputes.page_endpoints import PAGE_ENDPOINTS

ENDPOINTS = PAGE_ENDPOINTS + API_ENDPOINTS
