# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Factur-X benchmark, run by ``make bench-facturx`` in an Odoo shell.

It creates varied posted invoices (1 to 8 lines, several VAT rates,
discounts, exempt and intra-community lines, credit notes) and prints the
median and 95th percentile per invoice of:

(a) the XML build, ours and Odoo's native CII (account_edi_ubl_cii);
(b) our validation (XSD, Factur-X profile schematron, French BR-FR rules);
(c) the full Factur-X PDF: Odoo's native Send & Print document generation,
    one invoice at a time (Debian's wkhtmltopdf renders one document per
    run), against ours for batches of invoices (one wkhtmltopdf run each).

The invoice PDFs are rendered with the stylesheets served by the Odoo
server at BENCH_REPORT_URL. Sizes: BENCH_INVOICES (200), BENCH_BATCH (100),
BENCH_NATIVE (invoices rendered the native way, 50).
"""

import os
import statistics
import time

from odoo import Command

from odoo.addons.account_receivable_gateway.connectors.facturx.cii import build_cii
from odoo.addons.account_receivable_gateway.connectors.facturx.validation import (
    validate_xml,
)

INVOICES = int(os.environ.get("BENCH_INVOICES", "200"))
BATCH = int(os.environ.get("BENCH_BATCH", "100"))
NATIVE = int(os.environ.get("BENCH_NATIVE", "50"))


class Rollback(Exception):
    pass


def setup(env):
    company = env.company
    company.write(
        {
            "name": "Atelier Lumière SAS",
            "company_registry": "12345678200010",
            "vat": "FR11123456782",
            "street": "12 rue de la République",
            "zip": "69002",
            "city": "Lyon",
            "email": "compta@atelier-lumiere.example",
            "phone": "+33 4 78 00 00 00",
        }
    )
    bank = env["res.partner.bank"].search(
        [("partner_id", "=", company.partner_id.id)], limit=1
    ) or env["res.partner.bank"].create(
        {
            "acc_number": "FR7630006000011234567890189",
            "partner_id": company.partner_id.id,
            "allow_out_payment": True,
        }
    )
    chart = env["account.chart.template"].with_company(company)
    taxes = [
        chart.ref(name)
        for name in (
            "tva_normale",
            "tva_intermediaire",
            "tva_reduite",
            "tva_normale_ttc",
        )
    ]
    exempt = env["account.tax"].search(
        [("name", "=", "0% formation"), ("company_id", "=", company.id)]
    ) or chart.ref("tva_sale_good_0").copy(
        {"name": "0% formation", "ubl_cii_tax_exemption_reason_code": "VATEX-EU-132-1I"}
    )
    intra = chart.ref("tva_sale_good_intra_0")
    customers = env["res.partner"].create(
        [
            {
                "name": f"Client {number} SARL",
                "is_company": True,
                "company_registry": "55210055400013",
                "vat": "FR96552100554",
                "street": f"{number} place Bellecour",
                "zip": "69002",
                "city": "Lyon",
                "country_id": env.ref("base.fr").id,
            }
            for number in range(10)
        ]
    )
    belgian = env["res.partner"].create(
        {
            "name": "Brasserie du Parc SRL",
            "is_company": True,
            "vat": "BE0477472701",
            "street": "Rue Royale 10",
            "zip": "1000",
            "city": "Bruxelles",
            "country_id": env.ref("base.be").id,
        }
    )
    products = env["product.product"].create(
        [
            {"name": f"Article {number}", "type": "service" if number % 3 else "consu"}
            for number in range(8)
        ]
    )
    return bank, taxes, exempt, intra, customers, belgian, products


def make_invoices(env, count):
    bank, taxes, exempt, intra, customers, belgian, products = setup(env)
    values = []
    for number in range(count):
        lines = number % 8 + 1
        foreign = number % 10 == 9
        values.append(
            {
                "move_type": "out_invoice",
                "partner_id": (belgian if foreign else customers[number % 10]).id,
                "invoice_date": "2026-11-02",
                "delivery_date": "2026-10-30",
                "partner_bank_id": bank.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": products[line].id,
                            "quantity": line + 1,
                            "price_unit": 12.5 * (line + 1) + number % 7,
                            "discount": 5 if line % 4 == 3 else 0,
                            "tax_ids": [
                                Command.set(
                                    intra.ids
                                    if foreign
                                    else exempt.ids
                                    if line == 6
                                    else taxes[(number + line) % len(taxes)].ids
                                )
                            ],
                        }
                    )
                    for line in range(lines)
                ],
            }
        )
    moves = env["account.move"].create(values)
    moves.action_post()
    refunds = moves[: count // 10]._reverse_moves(
        [{"invoice_date": "2026-11-05"} for _ in range(count // 10)]
    )
    refunds.action_post()
    return (moves - moves[: count // 10] + refunds)[:count]


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def summary(label, seconds):
    ms = sorted(value * 1000 for value in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"{label:<46} median {statistics.median(ms):9.1f} ms   p95 {p95:9.1f} ms")
    return statistics.median(ms)


def native_documents(env, move):
    """What Send & Print does for one invoice, Odoo's own way."""
    sender = env["account.move.send"]
    invoice_data = {
        "pdf_report": sender._get_default_pdf_report_id(move),
        "invoice_edi_format": "facturx",
        "extra_edis": set(),
        "sending_methods": {"manual"},
    }
    sender._generate_invoice_documents({move: invoice_data})
    assert not invoice_data.get("error"), invoice_data["error"]
    assert invoice_data["pdf_attachment_values"]["raw"].startswith(b"%PDF")


def main(env):
    env["ir.config_parameter"].sudo().set_param(
        "report.url", os.environ.get("BENCH_REPORT_URL", "http://127.0.0.1:8069")
    )
    print(f"Creating {INVOICES} invoices...")
    moves = make_invoices(env, INVOICES)
    # The server that serves wkhtmltopdf the stylesheets must not wait on
    # our locks: commit the data set (a scratch database).
    env.cr.commit()
    cii = env["account.edi.xml.cii"]
    ours_xml, native_xml, validation = [], [], []
    xml_by_move = {}
    for move in moves:
        seconds, document = timed(move._facturx_document)
        build_seconds, xml = timed(
            lambda document=document, move=move: build_cii(
                document, move._facturx_profile()
            )
        )
        ours_xml.append(seconds + build_seconds)
        seconds, report = timed(
            lambda xml=xml, move=move: validate_xml(xml, move._facturx_profile())
        )
        validation.append(seconds)
        assert report.valid, (move.name, [f.rule_id for f in report.blocking])
        xml_by_move[move] = xml
        native_xml.append(timed(lambda move=move: cii._export_invoice(move))[0])

    native_pdf = []
    for move in moves[:NATIVE]:
        try:
            with env.cr.savepoint():
                native_pdf.append(
                    timed(lambda move=move: native_documents(env, move))[0]
                )
                raise Rollback
        except Rollback:
            pass
    env.invalidate_all()

    batches = []
    for start in range(0, len(moves), BATCH):
        batch = moves[start : start + BATCH]
        seconds, attachments = timed(batch.action_facturx_generate)
        assert len(attachments) == len(batch)
        batches.append((len(batch), seconds))

    print(f"\nFactur-X benchmark: {len(moves)} invoices, {os.cpu_count()} CPUs")
    xml_ours = summary("(a) XML build, ours", ours_xml)
    xml_native = summary("(a) XML build, Odoo native", native_xml)
    check = summary("(b) validation (XSD + profile + BR-FR), ours", validation)
    total = [a + b for a, b in zip(ours_xml, validation, strict=True)]
    build_and_check = summary("(a)+(b) XML build and validation, ours", total)
    native = summary(
        f"(c) full PDF, Odoo native (one by one, {len(native_pdf)})", native_pdf
    )
    per_invoice = [seconds / size for size, seconds in batches]
    ours = statistics.median(per_invoice)
    for size, seconds in batches:
        print(
            f"(c) full PDF, ours, batch of {size:<4} {seconds:8.1f} s = "
            f"{seconds / size * 1000:7.1f} ms per invoice"
        )
    print(f"\nXML build: native / ours = {xml_native / xml_ours:.1f}")
    print(f"XML build + validation median: {build_and_check:.1f} ms (target < 100 ms)")
    print(f"Validation alone: {check:.1f} ms")
    print(
        f"Full PDF throughput, batches of {BATCH}: {native / (ours * 1000):.1f} times "
        f"Odoo's native one (target >= 5)"
    )


main(env)  # noqa: F821 - the Odoo shell provides env
