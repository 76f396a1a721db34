# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Collection KPIs on hand-worked figures, in EUR, no taxes.

January 2026: A 1000.00 (10 Jan, due 9 Feb), B 500.00 (20 Jan, due 19 Feb).
February: C 2000.00 (5 Feb, due 7 Mar); credit note D 200.00 (10 Feb, due
the same day) matched with B; A paid on 25 Feb.
March: E 600.00 (15 Mar, due 14 Apr); C paid 1500.00 on 20 Mar.

Receivables at each month's end (overdue part):
  January  1500.00 (0.00)
  February 2300.00 = B 300 + C 2000 (B 300.00)
  March    1400.00 = B 300 + C 500 + E 600 (B 300 + C 500 = 800.00)
Invoiced: January 1500.00, February 2000 - 200 = 1800.00, March 600.00.
Collected: January 0.00, February 1000.00 (A), March 1500.00 (C).

DSO (countback) at the end of
  January  1500 / 1500 x 31 = 31.00
  February 2300 - 1800 (28 days) = 500; 500 / 1500 x 31 = 10.33; 38.33
  March    1400 - 600 (31 days) = 800; 800 / 1800 x 28 = 12.44; 43.44
CEI = collected / (receivables at start + invoiced - not yet due at the end)
  January  0 / (0 + 1500 - 1500): nothing collectible, empty
  February 1000 / (1500 + 1800 - 2000) = 1000 / 1300 = 76.92 %
  March    1500 / (2300 + 600 - 600) = 1500 / 2300 = 65.22 %
Overdue ratio: January 0 / 1500 = 0.00 %, February 300 / 2300 = 13.04 %,
March 800 / 1400 = 57.14 %.
"""

from decimal import Decimal

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

FIELDS = (
    "invoiced",
    "collected",
    "receivable_start",
    "receivable_end",
    "overdue_end",
    "current_end",
    "dso",
    "cei",
    "overdue_ratio",
)


@tagged("post_install", "-at_install")
class TestDunningKpi(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.term_30_days = cls.env.ref("account.account_payment_term_30days")
        invoice_a = cls._invoice(1000.0, "2026-01-10")
        invoice_b = cls._invoice(500.0, "2026-01-20")
        invoice_c = cls._invoice(2000.0, "2026-02-05")
        credit_note = cls._create_invoice_one_line(
            move_type="out_refund",
            partner_id=cls.partner_a.id,  # immediate payment term
            price_unit=200.0,
            tax_ids=[],
            invoice_date="2026-02-10",
            post=True,
        )
        (invoice_b | credit_note).line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        ).reconcile()
        cls._pay(invoice_a, "2026-02-25")
        cls._invoice(600.0, "2026-03-15")
        cls._pay(invoice_c, "2026-03-20", amount=1500.0)
        # Not counted: a draft invoice, a vendor bill, another company's invoice.
        cls._create_invoice_one_line(
            price_unit=999.0, tax_ids=[], invoice_date="2026-02-01"
        )
        cls._create_invoice_one_line(
            move_type="in_invoice",
            price_unit=999.0,
            tax_ids=[],
            invoice_date="2026-02-01",
            post=True,
        )
        cls.other_company = cls.setup_other_company()["company"]
        cls._create_invoice_one_line(
            price_unit=999.0,
            tax_ids=[],
            invoice_date="2026-02-01",
            company_id=cls.other_company.id,
            post=True,
        )

    @classmethod
    def _invoice(cls, amount, invoice_date):
        return cls._create_invoice_one_line(
            partner_id=cls.partner_a.id,
            price_unit=amount,
            tax_ids=[],
            invoice_date=invoice_date,
            invoice_payment_term_id=cls.term_30_days.id,
            post=True,
        )

    @classmethod
    def _pay(cls, invoice, payment_date, amount=None):
        values = {"payment_date": payment_date}
        if amount:
            values["amount"] = amount
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(values)._create_payments()

    def _rows(self, **context):
        # Rows of another day share their ids: read them afresh.
        self.env["account.dunning.kpi.report"].invalidate_model()
        rows = (
            self.env["account.dunning.kpi.report"]
            .with_context(**context)
            .search([("company_id", "=", self.env.company.id)], order="date")
        )
        return {
            row.date.isoformat(): {
                name: Decimal(str(row[name])).quantize(Decimal("0.01"))
                for name in FIELDS
            }
            for row in rows
        }

    @staticmethod
    def _expected(figures):
        return dict(
            zip(FIELDS, (Decimal(value) for value in figures.split()), strict=True)
        )

    @freeze_time("2026-03-31")
    def test_kpis_at_each_month_end(self):
        # invoiced, collected, receivables at start and end, overdue, not yet
        # due, DSO, CEI, overdue ratio
        self.assertEqual(
            self._rows(),
            {
                "2026-01-01": self._expected(
                    "1500.00    0.00    0.00 1500.00   0.00 1500.00 31.00  0.00  0.00"
                ),
                "2026-02-01": self._expected(
                    "1800.00 1000.00 1500.00 2300.00 300.00 2000.00 38.33 76.92 13.04"
                ),
                "2026-03-01": self._expected(
                    " 600.00 1500.00 2300.00 1400.00 800.00  600.00 43.44 65.22 57.14"
                ),
            },
        )

    def test_current_month_runs_to_the_day_given(self):
        # On 20 March, March counts 20 days: 20 + 800 / 1800 x 28 = 32.44.
        # On 19 March, C is not paid yet: 1400 + 1500 = 2900 due, 2300 of it
        # overdue (B 300, C 2000 since 8 March); 2900 - 600 = 2300 - 1800 =
        # 500 / 1500 x 31 = 10.33 + 19 + 28 = 57.33.
        march_20 = self._rows(kpi_date="2026-03-20")["2026-03-01"]
        march_19 = self._rows(kpi_date="2026-03-19")["2026-03-01"]
        self.assertEqual(
            (march_20["dso"], march_20["overdue_ratio"]),
            (Decimal("32.44"), Decimal("57.14")),
        )
        self.assertEqual(
            (
                march_19["receivable_end"],
                march_19["overdue_end"],
                march_19["collected"],
                march_19["dso"],
                march_19["cei"],
                march_19["overdue_ratio"],
            ),
            (
                Decimal("2900.00"),
                Decimal("2300.00"),
                Decimal("0.00"),
                Decimal("57.33"),
                Decimal("0.00"),
                Decimal("79.31"),  # 2300 / 2900
            ),
        )

    @freeze_time("2026-03-31")
    def test_months_grouped_average_their_figures(self):
        # January's CEI is empty (nothing could be collected): the average
        # leaves it out.
        groups = self.env["account.dunning.kpi.report"]._read_group(
            [("company_id", "=", self.env.company.id)],
            [],
            ["invoiced:sum", "collected:sum", "dso:avg", "cei:avg"],
        )
        invoiced, collected, dso, cei = groups[0]
        self.assertEqual(
            (
                Decimal(str(invoiced)),
                Decimal(str(collected)),
                Decimal(str(round(dso, 2))),
                Decimal(str(round(cei, 2))),
            ),
            (
                Decimal("3900.00"),
                Decimal("2500.00"),
                Decimal("37.59"),  # (31.00 + 38.33 + 43.44) / 3
                Decimal("71.07"),  # (76.92 + 65.22) / 2
            ),
        )

    @freeze_time("2026-03-31")
    def test_each_company_apart_and_only_the_companies_selected(self):
        report = self.env["account.dunning.kpi.report"]
        both = report.with_context(
            allowed_company_ids=(self.env.company | self.other_company).ids
        ).search([("date", "=", "2026-02-01")])
        self.assertEqual(
            {row.company_id: Decimal(str(row.invoiced)) for row in both},
            {
                self.env.company: Decimal("1800.00"),
                self.other_company: Decimal("999.00"),
            },
        )
        alone = report.with_context(allowed_company_ids=self.env.company.ids).search([])
        self.assertEqual(alone.company_id, self.env.company)
