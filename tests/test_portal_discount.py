# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer portal and online payment offer the discount of the tier
running on the day, not Odoo's stored first tier.

Term: 3 % within 8 days, then 2 % within 15 days, net 30 days, on the total.
Invoice of 1000.00 plus 20 % VAT = 1200.00, dated 2 March 2026: 3 % (36.00)
until 10 March, 2 % (24.00) until 17 March.
"""

from decimal import Decimal

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.addons.account_payment.tests.common import AccountPaymentCommon


def _discount_term(env):
    return env["account.payment.term"].create(
        {
            "name": "3 % 8 days, 2 % 15 days, net 30",
            "early_discount": True,
            "discount_percentage": 3.0,
            "discount_days": 8,
            "early_pay_discount_computation": "included",
            "discount_tier_ids": [
                Command.create({"discount_percentage": 2.0, "discount_days": 15})
            ],
            "line_ids": [
                Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})
            ],
        }
    )


@tagged("post_install", "-at_install")
class TestPortalDiscount(AccountTestInvoicingHttpCommon):
    country_code = "FR"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-03-02"):
            cls.invoice = cls._create_invoice_one_line(
                price_unit=1000.0,
                tax_ids=cls.tax_sale_a,
                invoice_date="2026-03-02",
                invoice_payment_term_id=_discount_term(cls.env).id,
                post=True,
            )
        cls.invoice._portal_ensure_token()

    def _portal_page(self):
        response = self.url_open(self.invoice.get_portal_url())
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_next_payment_values_follow_the_tier_of_the_day(self):
        for day, expected in (
            (
                "2026-03-05",
                {
                    "installment_state": "epd",
                    "amount_due": 1164.0,
                    "epd_discount_amount_currency": 36.0,
                    "discount_date": "2026-03-10",
                    "epd_days_left": 5,
                },
            ),
            (
                "2026-03-12",
                {
                    "installment_state": "epd",
                    "amount_due": 1176.0,
                    "epd_discount_amount_currency": 24.0,
                    "discount_date": "2026-03-17",
                    "epd_days_left": 5,
                },
            ),
        ):
            with freeze_time(day):
                values = self.invoice._get_invoice_next_payment_values()
            self.assertEqual({key: values.get(key) for key in expected}, expected, day)
            with freeze_time(day):
                link = self.invoice._get_default_payment_link_values()
            self.assertEqual(
                (link["has_eligible_epd"], link["discount_date"]),
                (True, expected["discount_date"]),
                day,
            )
        with freeze_time("2026-03-18"):
            values = self.invoice._get_invoice_next_payment_values()
        self.assertIsNone(values["installment_state"])
        self.assertEqual(values["amount_due"], 1200.0)
        # Odoo's own first-tier figures stay on the invoice.
        term_line = self.invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        self.assertEqual(
            (str(term_line.discount_date), term_line.discount_amount_currency),
            ("2026-03-10", 1164.0),
        )

    def test_portal_page_shows_the_discount_of_the_tier_running(self):
        with freeze_time("2026-03-05"):
            page = self._portal_page()
        self.assertIn("Discount of 36.00", page)
        self.assertIn("if paid within 5 days", page)

        with freeze_time("2026-03-12"):
            page = self._portal_page()
        self.assertIn("Discount of 24.00", page)
        self.assertIn("if paid within 5 days", page)
        self.assertNotIn("36.00", page)

        with freeze_time("2026-03-17"):
            page = self._portal_page()
        self.assertIn("Discount of 24.00", page)
        self.assertIn("if paid today", page)

        with freeze_time("2026-03-18"):
            page = self._portal_page()
        self.assertNotIn("Discount of", page)

    def test_granted_discount_shown_as_granted(self):
        self.invoice._grant_early_discount(2.0, "Transfer ordered on 16 March")
        with freeze_time("2026-03-20"):
            page = self._portal_page()
        self.assertIn("Discount of 24.00", page)
        self.assertIn("if paid today", page)


@tagged("post_install", "-at_install")
class TestOnlinePaymentDiscount(AccountPaymentCommon):
    def test_online_payment_of_the_second_tier_settles_the_invoice(self):
        # 1000.00 without tax: 2 % on 12 March leaves 980.00 to pay.
        with freeze_time("2026-03-02"):
            invoice = self._create_invoice_one_line(
                partner_id=self.partner.id,
                price_unit=1000.0,
                tax_ids=[],
                invoice_date="2026-03-02",
                invoice_payment_term_id=_discount_term(self.env).id,
                post=True,
            )
        with freeze_time("2026-03-12"):
            amount_due = invoice._get_invoice_next_payment_values()["amount_due"]
            payment = self._create_transaction(
                reference="tier-2",
                flow="direct",
                state="done",
                amount=amount_due,
                currency_id=invoice.currency_id.id,
                invoice_ids=[invoice.id],
                partner_id=self.partner.id,
            )._create_payment()
        self.assertEqual(Decimal(str(amount_due)), Decimal("980.00"))
        self.assertEqual(Decimal(str(payment.amount)), Decimal("980.00"))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        write_off = payment.move_id.line_ids.filtered(
            lambda line: line.account_id
            == self.env.company.account_journal_early_pay_discount_loss_account_id
        )
        self.assertEqual(Decimal(str(write_off.balance)), Decimal("20.00"))
