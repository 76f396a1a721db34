# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Dunning benchmark, ours next to OCA account_credit_control, run by
``make bench`` (plain Python: each step is an Odoo process of its own).

For each size (BENCH_SIZES="10000:2000,50000:10000,100000:20000",
invoices:customers), from the database ``arg_bench`` (the add-on installed,
no demo data):

1. copy it to ``arg_bench_<invoices>`` and generate the data set there
   (``bench/generate.py``, in SQL);
2. copy that twice, one copy per engine, so that both start from the same
   data;
3. time our run on the first copy (``bench/run_ours.py``);
4. install account_credit_control (``bench/requirements.txt``, with the
   configuration ``bench/setup_oca.sh`` writes) in the second copy, not
   timed, and time its run there (``bench/run_oca.py``), interrupted after
   BENCH_OCA_LIMIT seconds (1800).

Each run is measured in its own process: wall time, SQL queries and the
growth of the peak resident memory (ru_maxrss) during the run. The
databases are dropped afterwards unless BENCH_KEEP=1. The figures end in a
Markdown table, and in .cache/bench/dunning.json.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
CONF = str(ROOT / ".cache" / "odoo.conf")
OCA_CONF = str(ROOT / ".cache" / "bench" / "odoo.conf")
BASE_DB = "arg_bench"
SIZES = [
    tuple(int(value) for value in size.split(":"))
    for size in os.environ.get(
        "BENCH_SIZES", "10000:2000,50000:10000,100000:20000"
    ).split(",")
]
OCA_LIMIT = int(os.environ.get("BENCH_OCA_LIMIT", "1800"))
KEEP = os.environ.get("BENCH_KEEP") == "1"
RESULT_PREFIX = "BENCH_RESULT "


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def command(*args):
    subprocess.run(args, check=True)


def drop(*names):
    for name in names:
        command("dropdb", "--if-exists", "--force", name)


def shell(conf, db, script, timeout=None, **env):
    """Run a bench script in an Odoo shell; return the result it reports,
    or None when it ran out of time (the process is killed)."""
    process_env = {
        **os.environ,
        "PYTHONPATH": str(BENCH),
        **{key: str(value) for key, value in env.items()},
    }
    with open(BENCH / script) as stdin:
        process = subprocess.Popen(
            [PYTHON, "-m", "odoo", "shell", "-c", conf, "-d", db, "--no-http"]
            + ["--log-level=warn"],
            stdin=stdin,
            stdout=subprocess.PIPE,
            text=True,
            env=process_env,
            cwd=ROOT,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
            return None
    results = [
        json.loads(line[len(RESULT_PREFIX) :])
        for line in output.splitlines()
        if line.startswith(RESULT_PREFIX)
    ]
    if process.returncode or not results:
        sys.stdout.write(output)
        raise SystemExit(f"{script} on {db} failed (exit status {process.returncode})")
    return results[-1]


def bench_size(invoices, customers):
    data, ours_db, oca_db = (
        f"{BASE_DB}_{invoices}",
        f"{BASE_DB}_{invoices}_ours",
        f"{BASE_DB}_{invoices}_oca",
    )
    drop(data, ours_db, oca_db)
    command("createdb", "-T", BASE_DB, data)
    generated = shell(
        CONF,
        data,
        "generate.py",
        BENCH_INVOICES=invoices,
        BENCH_CUSTOMERS=customers,
    )
    log(
        f"{invoices} invoices / {customers} customers generated "
        f"in {generated['seconds']} s"
    )
    command("createdb", "-T", data, ours_db)
    command("createdb", "-T", data, oca_db)
    if not KEEP:
        drop(data)

    ours = shell(CONF, ours_db, "run_ours.py")
    log(f"ours: {json.dumps(ours)}")

    start = time.perf_counter()
    command(
        PYTHON, "-m", "odoo", "server", "-c", OCA_CONF, "-d", oca_db,
        "-i", "account_credit_control", "--stop-after-init", "--no-http",
        "--log-level=warn",
    )  # fmt: skip
    log(f"account_credit_control installed in {time.perf_counter() - start:.0f} s")
    oca = shell(
        OCA_CONF,
        oca_db,
        "run_oca.py",
        # the script stops itself at the limit; this is in case it cannot
        timeout=OCA_LIMIT + 600,
        BENCH_OCA_LIMIT=OCA_LIMIT,
    ) or {"timed_out": True, "limit": OCA_LIMIT, "killed": True}
    log(f"account_credit_control: {json.dumps(oca)}")
    if not KEEP:
        drop(ours_db, oca_db)
    return {"invoices": invoices, "customers": customers, "ours": ours, "oca": oca}


def seconds(run):
    if run.get("timed_out"):
        return f"> {run['limit']:,} s"
    return f"{run['seconds']:,.1f} s"


def table(results):
    rows = [
        "| Open invoices | Customers | Ours: time | queries | peak RSS growth "
        "| account_credit_control: time | queries | peak RSS growth "
        "| Ratio (time) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        ours, oca = result["ours"], result["oca"]
        if oca.get("timed_out"):
            ratio = f"> {oca['limit'] / ours['seconds']:.0f}"
            # what it had done when it was interrupted, when it could say
            oca_queries = f"> {oca['queries']:,}" if "queries" in oca else "–"
            oca_memory = (
                f"≥ {oca['rss_growth_mib']:,} MiB" if "rss_growth_mib" in oca else "–"
            )
        else:
            ratio = f"{oca['seconds'] / ours['seconds']:.0f}"
            oca_queries = f"{oca['queries']:,}"
            oca_memory = f"{oca['rss_growth_mib']:,} MiB"
        rows.append(
            f"| {result['invoices']:,} | {result['customers']:,} "
            f"| {seconds(ours)} | {ours['queries']:,} | {ours['rss_growth_mib']:,} MiB "
            f"| {seconds(oca)} | {oca_queries} | {oca_memory} | {ratio} |"
        )
    return "\n".join(rows)


def main():
    results = []
    for invoices, customers in SIZES:
        results.append(bench_size(invoices, customers))
        out = ROOT / ".cache" / "bench" / "dunning.json"
        out.write_text(json.dumps(results, indent=2))
    print()
    print(table(results))
    print()
    for result in results:
        ours, oca = result["ours"], result["oca"]
        print(
            f"{result['invoices']:,} invoices — ours: {ours['lines']:,} invoices "
            f"reminded (by level offset {ours.get('lines_by_level_offset')}), "
            f"{ours['communications']:,} communications, "
            f"{ours['jobs_queued']:,} sending jobs, "
            f"peak RSS {ours['peak_rss_mib']:,} MiB"
        )
        if not oca.get("timed_out"):
            print(
                f"{result['invoices']:,} invoices — account_credit_control: "
                f"{oca['lines']:,} lines "
                f"(by level {oca['lines_by_level']}), {oca['queued_lines']:,} queued, "
                f"{oca['communications']:,} communications, "
                f"peak RSS {oca['peak_rss_mib']:,} MiB, steps {oca['steps']}"
            )


if __name__ == "__main__":
    main()
