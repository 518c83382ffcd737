"""Connection settings that the pages' timings depend on."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgres_connections_run_without_jit():
    # JIT compilation of whole-table aggregates cost hundreds of milliseconds per page.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
