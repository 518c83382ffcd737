"""The disputes pages, for the access matrix."""

PAGE_ENDPOINTS: list = []
