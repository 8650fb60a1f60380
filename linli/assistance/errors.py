"""Error codes of the assistance app (LinliError.code): the import's refusals and the home check's."""

from __future__ import annotations

from enum import StrEnum


class AssistanceErrorCode(StrEnum):
    RUN_FILE = "assistance.run_file"  # not Parquet, missing or mistyped column, report not readable
    RUN_FAILED = "assistance.run_failed"  # report.json says the run failed
    RUN_MISMATCH = "assistance.run_mismatch"  # alerts.parquet is not the file the report describes
    RUN_ROWS = "assistance.run_rows"  # row errors: nothing imported
    RUN_DUPLICATE = "assistance.run_duplicate"  # run_id already imported (409)
    RUN_BUSY = "assistance.run_busy"  # another import wrote the same household's alert meanwhile (409)
    CHECKED = "assistance.already_checked"  # the alert has its home check already (409)
