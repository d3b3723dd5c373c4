import psycopg
import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.integration]


def test_database_is_postgresql_through_psycopg_3():
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        server_version = int(cursor.fetchone()[0])

    assert connection.vendor == "postgresql"
    assert psycopg.__version__.startswith("3.")
    assert server_version >= 130000
