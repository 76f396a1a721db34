# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""OCA account_credit_control's run on a copy of a benchmark database (where
``bench/dunning_run.py`` installed it), run in an Odoo shell.

Not timed: a credit control policy equivalent to our default one, made the
company's policy: a level at each offset of our ladder after the due date,
counted from the due date ("net days"), by email. Our statement before the
due date and our discount reminder have no counterpart: account_credit_control
only looks at what is due on the run's date.

Timed, as its run form does it, one transaction per button: create the run
(its policies default to all of them) and "Generate"
(``generate_credit_lines``: the lines), "Mark as ready"
(``set_to_ready_lines``: draft lines to be sent), "Run channel action"
(``run_channel_action``: one communication per customer and level from the
email lines, which are marked queued). Mail rendering is left out, as for
ours: ``_send_mails``, which renders and posts each communication's email,
does nothing here. Each step's time is reported too.

A run longer than BENCH_OCA_LIMIT seconds is interrupted and reported so.
"""

import os
import signal
import time

from benchlib import RUN_DATE, measured, report

from odoo import Command

LIMIT = int(os.environ.get("BENCH_OCA_LIMIT", "1800"))


class TimeLimit(BaseException):
    """Not an Exception: nothing on the way (Odoo logging a failed query,
    an except Exception) takes it for an error of its own."""

    pass


def make_policy(env, company):
    ours = env["account.dunning.policy"].search(
        [("company_id", "=", company.id), ("is_default", "=", True)], limit=1
    )
    levels = ours.level_ids.filtered(
        lambda level: level.offset_from == "due_date" and level.offset_days > 0
    ).sorted("offset_days")
    template = env.ref("account_credit_control.email_template_credit_control_base")
    policy = env["credit.control.policy"].create(
        {
            "name": f"Bench: the offsets of {ours.name}",
            "company_id": company.id,
            "account_ids": env["account.account"]
            .search(
                [
                    ("company_ids", "in", company.id),
                    ("account_type", "=", "asset_receivable"),
                ]
            )
            .ids,
            "level_ids": [
                Command.create(
                    {
                        "name": level.name,
                        "level": rank,
                        "computation_mode": "net_days",
                        "delay_days": level.offset_days,
                        "channel": "email",
                        "email_template_id": template.id,
                        "custom_text": level.name,
                        "custom_mail_text": level.name,
                    }
                )
                for rank, level in enumerate(levels, start=1)
            ],
        }
    )
    company.credit_policy_id = policy
    env.cr.commit()
    return policy


def without_mail_rendering(env):
    """What _generate_emails calls after marking a communication's lines
    queued: render and post its email (in account_credit_control_queue_job,
    a job doing so). Left out, as our run leaves sending to jobs."""
    env.registry["credit.control.communication"]._send_mails = lambda self: None


def on_alarm(_signum, _frame):
    raise TimeLimit()


def main(env):
    company = env.company
    policy = make_policy(env, company)
    without_mail_rendering(env)
    figures, steps = {"limit": LIMIT}, {}
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(LIMIT)
    try:
        with measured(figures):
            start = time.perf_counter()
            run = env["credit.control.run"].create(
                {"date": RUN_DATE, "company_id": company.id}
            )
            run.generate_credit_lines()
            env.cr.commit()
            env.invalidate_all()
            steps["generate_credit_lines"] = round(time.perf_counter() - start, 2)
            start = time.perf_counter()
            run.set_to_ready_lines()
            env.cr.commit()
            env.invalidate_all()
            steps["set_to_ready_lines"] = round(time.perf_counter() - start, 2)
            start = time.perf_counter()
            run.run_channel_action()
            env.cr.commit()
            steps["run_channel_action"] = round(time.perf_counter() - start, 2)
    except TimeLimit:
        signal.alarm(0)
        env.cr.rollback()
        report("oca", **figures, steps=steps, timed_out=True)
        return
    signal.alarm(0)
    env.cr.execute(
        """
        SELECT count(*), count(DISTINCT move_line_id), count(DISTINCT partner_id),
               count(DISTINCT communication_id),
               count(*) FILTER (WHERE channel = 'email'),
               count(*) FILTER (WHERE state = 'queued'),
               count(*) FILTER (WHERE communication_id IS NOT NULL)
          FROM credit_control_line
         WHERE run_id = %s
        """,
        [run.id],
    )
    row = env.cr.fetchone()
    env.cr.execute(
        "SELECT level, count(*) FROM credit_control_line WHERE run_id = %s "
        "GROUP BY level ORDER BY level",
        [run.id],
    )
    by_level = dict(env.cr.fetchall())
    report(
        "oca",
        **figures,
        steps=steps,
        timed_out=False,
        policy=policy.name,
        lines=row[0],
        invoices=row[1],
        customers=row[2],
        communications=row[3],
        email_lines=row[4],
        queued_lines=row[5],
        lines_in_communications=row[6],
        lines_by_level=by_level,
    )


main(env)  # noqa: F821 - run in an Odoo shell, where env is defined
