# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Data set of the dunning benchmark, run by ``bench/dunning_run.py`` in an
Odoo shell on a database of its own.

It adds BENCH_INVOICES open customer invoices spread over BENCH_CUSTOMERS
new customers (each with an email address) and due dates, copied in SQL
from one real posted invoice, so that every column is as Odoo writes it,
and commits them: the database is then copied once per dunning engine.
"""

import os
import time
from datetime import timedelta

from benchlib import RUN_DATE, report

from odoo import Command
from odoo.tools import SQL


def copied_columns(env, table, skip):
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != ALL(%s)",
        [table, list(skip)],
    )
    return [row[0] for row in env.cr.fetchall()]


def make_template(env, company):
    partner = env["res.partner"].create(
        {
            "name": "Bench template",
            "is_company": True,
            "email": "template@bench.example",
        }
    )
    product = env["product.product"].create(
        {"name": "Bench service", "taxes_id": False}
    )
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "company_id": company.id,
            "invoice_date": RUN_DATE - timedelta(days=60),
            "invoice_line_ids": [
                Command.create(
                    {"product_id": product.id, "price_unit": 1000.0, "quantity": 1}
                )
            ],
        }
    )
    invoice.action_post()
    env.flush_all()
    return invoice


def generate(env, company, template, invoices, customers):
    """Copy the template invoice ``invoices`` times over ``customers`` new
    customers, due from 30 days ahead to 150 days ago, in a few queries."""
    partner_columns = copied_columns(
        env,
        "res_partner",
        {
            "id",
            "name",
            "complete_name",
            "email",
            "email_normalized",
            "commercial_partner_id",
        },
    )
    env.cr.execute(
        SQL(
            """
            INSERT INTO res_partner (%(columns)s, name, complete_name, email,
                                     email_normalized)
            SELECT %(source_columns)s, 'Bench customer ' || g, 'Bench customer ' || g,
                   'customer' || g || '@bench.example',
                   'customer' || g || '@bench.example'
              FROM generate_series(1, %(customers)s) g, res_partner t
             WHERE t.id = %(template)s
            RETURNING id
            """,
            columns=SQL(", ").join(SQL.identifier(c) for c in partner_columns),
            source_columns=SQL(", ").join(
                SQL("t.%s", SQL.identifier(c)) for c in partner_columns
            ),
            customers=customers,
            template=template.partner_id.id,
        )
    )
    partner_ids = [row[0] for row in env.cr.fetchall()]
    env.cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
        [partner_ids],
    )
    move_columns = copied_columns(
        env,
        "account_move",
        {
            "id",
            "name",
            "partner_id",
            "commercial_partner_id",
            "invoice_date_due",
            "date",
            "invoice_date",
            "dunning_next_date",
            "dunning_level_id",
            "dunning_last_date",
            "sequence_number",
        },
    )
    env.cr.execute(
        SQL(
            """
            CREATE TEMP TABLE bench_map AS
            SELECT g AS n,
                   (%(partners)s::int[])[1 + (g %% %(customers)s)] AS partner_id,
                   %(run_date)s::date + 30 - (g %% 180) AS due_date
              FROM generate_series(1, %(invoices)s) g
            """,
            partners=partner_ids,
            customers=len(partner_ids),
            run_date=RUN_DATE,
            invoices=invoices,
        )
    )
    columns = SQL(", ").join(SQL.identifier(column) for column in move_columns)
    env.cr.execute(
        SQL(
            """
            WITH new_move AS (
                INSERT INTO account_move (%(columns)s, name, partner_id,
                       commercial_partner_id, invoice_date_due, date, invoice_date,
                       sequence_number)
                SELECT %(source_columns)s, 'BENCH/' || map.n, map.partner_id,
                       map.partner_id, map.due_date, map.due_date - 30,
                       map.due_date - 30, map.n
                  FROM bench_map map, account_move t
                 WHERE t.id = %(template)s
                RETURNING id, partner_id, invoice_date_due
            )
            SELECT id, partner_id, invoice_date_due FROM new_move
            """,
            columns=columns,
            source_columns=SQL(", ").join(
                SQL("t.%s", SQL.identifier(column)) for column in move_columns
            ),
            template=template.id,
        )
    )
    env.cr.execute(
        "CREATE TEMP TABLE bench_move AS SELECT id FROM account_move "
        "WHERE name LIKE 'BENCH/%%'"
    )
    line_columns = copied_columns(
        env,
        "account_move_line",
        {
            "id",
            "move_id",
            "partner_id",
            "date",
            "date_maturity",
            "invoice_date",
            "move_name",
        },
    )
    env.cr.execute(
        SQL(
            """
            INSERT INTO account_move_line (%(columns)s, move_id, partner_id, date,
                                           date_maturity, invoice_date, move_name)
            SELECT %(source_columns)s, m.id, m.partner_id, m.date,
                   CASE WHEN l.date_maturity IS NULL THEN NULL
                        ELSE m.invoice_date_due END,
                   m.invoice_date, m.name
              FROM account_move m
              JOIN account_move_line l ON l.move_id = %(template)s
             WHERE m.name LIKE 'BENCH/%%'
            """,
            columns=SQL(", ").join(SQL.identifier(column) for column in line_columns),
            source_columns=SQL(", ").join(
                SQL("l.%s", SQL.identifier(column)) for column in line_columns
            ),
            template=template.id,
        )
    )
    env.cr.execute("DROP TABLE bench_map; DROP TABLE bench_move")
    # What autovacuum does on a live database after such a load.
    env.cr.execute("ANALYZE account_move, account_move_line, res_partner")
    env.invalidate_all()


def main(env):
    invoices = int(os.environ["BENCH_INVOICES"])
    customers = int(os.environ["BENCH_CUSTOMERS"])
    start = time.perf_counter()
    template = make_template(env, env.company)
    generate(env, env.company, template, invoices, customers)
    env.cr.commit()
    report(
        "generate",
        invoices=invoices,
        customers=customers,
        seconds=round(time.perf_counter() - start, 1),
    )


main(env)  # noqa: F821 - run in an Odoo shell, where env is defined
