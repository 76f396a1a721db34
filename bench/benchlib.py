# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the dunning benchmark's Odoo shell scripts share: the run date and
how a run is measured and reported to ``bench/dunning_run.py``."""

import json
import resource
import threading
import time
from contextlib import contextmanager
from datetime import date

# The day both engines run on; the data set's due dates count from it.
RUN_DATE = date(2026, 11, 23)
# The line bench/dunning_run.py reads a script's result from.
RESULT_PREFIX = "BENCH_RESULT "


def report(step, **values):
    print(RESULT_PREFIX + json.dumps({"step": step, **values}), flush=True)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def measured(figures):
    """Time the block and count its SQL queries (every cursor of this
    thread, through the counter Odoo's cursors increment when the thread
    has one) and the growth of the process's peak resident memory
    (ru_maxrss). Fills ``figures`` with seconds, queries, rss_growth_mib
    and peak_rss_mib, also when the block is interrupted."""
    thread = threading.current_thread()
    thread.query_count = 0
    rss_before = peak_rss_mib()
    start = time.perf_counter()
    try:
        yield figures
    finally:
        figures["seconds"] = round(time.perf_counter() - start, 2)
        figures["queries"] = thread.query_count
        figures["peak_rss_mib"] = round(peak_rss_mib())
        figures["rss_growth_mib"] = round(peak_rss_mib() - rss_before)
        del thread.query_count
