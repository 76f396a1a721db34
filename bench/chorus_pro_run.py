# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Chorus Pro benchmark, run by ``make bench-chorus`` in an Odoo shell.

It sends BENCH_INVOICES (1,000) invoices to a public buyer through the local
Chorus Pro (started in process), then follows them to payment, one polling
cycle per step of the simulator's clock, and prints the API calls per
invoice for the deposits, the calls of each polling cycle next to the
number of invoices whose status changed, and the wall times.
"""

import os
import time

from odoo import Command

from odoo.addons.account_receivable_gateway.connectors.chorus_pro.simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_LOGIN,
    DEFAULT_PASSWORD,
    Simulator,
)

INVOICES = int(os.environ.get("BENCH_INVOICES", "1000"))


def api_calls(simulator):
    return sum(
        count
        for path, count in simulator.state()["calls"].items()
        if path.startswith("/cpro/")
    )


def main(env):
    env["ir.config_parameter"].sudo().set_param(
        "report.url", os.environ.get("BENCH_REPORT_URL", "http://127.0.0.1:8069")
    )
    company = env.company
    company.write(
        {
            "company_registry": "12345678200010",
            "vat": "FR11123456782",
            "street": "12 rue de la République",
            "zip": "69002",
            "city": "Lyon",
        }
    )
    buyer = env["res.partner"].create(
        {
            "name": "Commune de Rivecourt",
            "is_company": True,
            "receivable_customer_type": "public",
            "company_registry": "21600412700017",
            "street": "1 place de la Mairie",
            "zip": "60126",
            "city": "Rivecourt",
            "country_id": env.ref("base.fr").id,
        }
    )
    product = env["product.product"].create({"name": "Entretien", "type": "service"})
    print(f"Creating and rendering {INVOICES} Factur-X invoices...")
    moves = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": buyer.id,
                "invoice_date": "2026-11-02",
                "invoice_line_ids": [
                    Command.create({"product_id": product.id, "price_unit": 100 + n})
                ],
            }
            for n in range(INVOICES)
        ]
    )
    moves.action_post()
    env.cr.commit()  # the server serving wkhtmltopdf must not wait on us
    for start in range(0, INVOICES, 100):
        moves[start : start + 100].action_facturx_generate()
    env.cr.commit()

    simulator = Simulator(port=0).start()
    try:
        # A benchmark database keeps what earlier runs committed: one
        # Chorus Pro channel, pointed at this run's simulator.
        env["account.einvoice.channel"].search(
            [("channel_type", "=", "chorus_pro"), ("company_id", "=", company.id)]
        ).active = False
        channel = env["account.einvoice.channel"].create(
            {
                "name": "Chorus Pro (bench)",
                "channel_type": "chorus_pro",
                "environment": "custom",
                "token_url": simulator.token_url,
                "api_url": simulator.url,
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "login": DEFAULT_LOGIN,
                "password": DEFAULT_PASSWORD,
            }
        )
        transmissions = moves.action_einvoice_send()  # queued, run below
        assert set(transmissions.mapped("channel_id")) == {channel}
        started = time.perf_counter()
        calls = api_calls(simulator)
        for transmission in transmissions.filtered(lambda t: t.state == "to_send"):
            transmission._job_send()
        deposit_seconds = time.perf_counter() - started
        deposit_calls = api_calls(simulator) - calls
        print(
            f"\nChorus Pro benchmark: {INVOICES} invoices, {os.cpu_count()} CPUs\n"
            f"Deposits: {deposit_calls} API calls = "
            f"{deposit_calls / INVOICES:.2f} per invoice, {deposit_seconds:.1f} s"
        )
        cycle = 0
        tracking_seconds = 0.0
        while transmissions.filtered(lambda t: not t.final):
            cycle += 1
            simulator.advance()
            before = {t.id: t.business_status for t in transmissions}
            calls = api_calls(simulator)
            started = time.perf_counter()
            env["account.einvoice.transmission"]._cron_track()
            seconds = time.perf_counter() - started
            tracking_seconds += seconds
            changed = sum(1 for t in transmissions if t.business_status != before[t.id])
            used = api_calls(simulator) - calls
            print(
                f"Polling cycle {cycle:2}: {used:5} calls, "
                f"{changed:5} invoices changed, "
                f"budget 20 + {changed} = {20 + changed}, {seconds:6.1f} s"
            )
            assert cycle < 20, "the invoices do not reach a final status"
        statuses = set(transmissions.mapped("business_status"))
        print(f"Final statuses: {', '.join(sorted(statuses))}")
        print(f"Tracking wall time: {tracking_seconds:.1f} s over {cycle} cycles")
    finally:
        simulator.stop()
        env.cr.rollback()


main(env)  # noqa: F821 - run in an Odoo shell, where env is defined
