"""The Spark backend for tests: one local session per test run, shared by every Spark test.

Import the fixture into a test module (``from linli.assistance.tests.spark import spark_backend``).
Without Java or pyspark (``engine.spark_missing``) the tests are skipped,
unless ``LINLI_REQUIRE_SPARK=1`` (CI), where a missing Spark is a failure, not a silent skip.
"""

from __future__ import annotations

import os

import pytest

from linli.assistance.monitoring.engine import spark_missing


def require_spark() -> None:
    why = spark_missing()
    if why is None:
        return
    if os.environ.get("LINLI_REQUIRE_SPARK") == "1":
        pytest.fail(f"LINLI_REQUIRE_SPARK=1 but {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def spark_backend():
    """A monitoring Backend on local Spark (2 threads), closed at the end of the run."""
    require_spark()
    from linli.assistance.monitoring import backends

    backend = backends.connect("spark", spark_master="local[2]")
    try:
        yield backend
    finally:
        backend.close()
