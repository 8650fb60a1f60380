"""Dynamic monitoring of low-income households (动态监测), free of Django.

Departments' records are matched against the assistance registry with rules written once as Ibis
expressions (``rules.py``); they run on DuckDB (embedded, the default) or on Apache Spark. Inputs
and outputs are files in the schema of ``schema.py`` and ``docs/monitoring-format.md``.
"""
