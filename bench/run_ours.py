# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Our dunning run on a benchmark database, run by ``bench/dunning_run.py``
in an Odoo shell.

Timed: the run's creation and ``action_run`` (eligibility, levels,
communications created and their sending jobs queued; mail rendering
happens in the jobs, which are not run), then the commit. Reported with
what the run did, counted afterwards.
"""

from benchlib import RUN_DATE, measured, report


def main(env):
    figures = {}
    with measured(figures):
        run = env["account.dunning.run"].create(
            {"company_id": env.company.id, "date": RUN_DATE}
        )
        run.action_run()
        env.cr.commit()
    env.cr.execute(
        """
        SELECT count(DISTINCT c.id), count(l.id), count(DISTINCT l.move_id),
               count(DISTINCT c.partner_id)
          FROM account_dunning_communication c
          LEFT JOIN account_dunning_communication_line l ON l.communication_id = c.id
         WHERE c.run_id = %s
        """,
        [run.id],
    )
    communications, lines, invoices, customers = env.cr.fetchone()
    env.cr.execute(
        """
        SELECT lv.offset_days, count(*)
          FROM account_dunning_communication_line l
          JOIN account_dunning_communication c ON c.id = l.communication_id
          JOIN account_dunning_level lv ON lv.id = l.level_id
         WHERE c.run_id = %s
         GROUP BY lv.offset_days
         ORDER BY lv.offset_days
        """,
        [run.id],
    )
    by_offset = dict(env.cr.fetchall())
    env.cr.execute(
        "SELECT count(*) FROM account_move WHERE dunning_last_date = %s", [RUN_DATE]
    )
    moved_up = env.cr.fetchone()[0]
    env.cr.execute(
        "SELECT count(*) FROM queue_job WHERE model_name = "
        "'account.dunning.communication'"
    )
    jobs = env.cr.fetchone()[0]
    report(
        "ours",
        **figures,
        communications=communications,
        lines=lines,
        invoices=invoices,
        customers=customers,
        lines_by_level_offset=by_offset,
        invoices_moved_up=moved_up,
        jobs_queued=jobs,
    )


main(env)  # noqa: F821 - run in an Odoo shell, where env is defined
