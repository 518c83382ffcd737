"""The disputes API endpoints, for the access matrix."""

API_ENDPOINTS: list = []
