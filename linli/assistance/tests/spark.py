"""The Spark backend for tests: one local session per test run, shared by every Spark test.

Import the fixture into a test module (``from linli.assistance.tests.spark import spark_backend``)
and mark the tests ``@pytest.mark.spark`` if wanted. Without Java or pyspark the tests are skipped,
unless ``LINLI_REQUIRE_SPARK=1`` (CI), where a missing Spark is a failure, not a silent skip.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest


def spark_missing() -> str | None:
    """Why Spark cannot run here, or None."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[spark]')"
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        return "Java is not installed (apt-get install openjdk-17-jre-headless)"
    return None


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
