# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Early-payment discount tiers on Odoo's own discount.

Term: 3 % within 8 days, then 2 % within 15 days. Invoice of 1000.00 plus
20 % VAT = 1200.00, dated 2 March 2026: 3 % until 10 March, 2 % until 17 March.
"""

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestEarlyDiscount(AccountTestInvoicingCommon):
    country_code = "FR"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.term = cls.env["account.payment.term"].create(
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
                    Command.create(
                        {"value": "percent", "value_amount": 100, "nb_days": 30}
                    )
                ],
            }
        )

    def _invoice(self, term=None):
        return self._create_invoice_one_line(
            price_unit=1000.0,
            tax_ids=self.tax_sale_a,
            invoice_date="2026-03-02",
            invoice_payment_term_id=(term or self.term).id,
            post=True,
        )

    def _register(self, invoice, payment_date):
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"payment_date": payment_date})
        )

    def test_each_tier_applies_up_to_its_last_day(self):
        for payment_date, amount in (
            ("2026-03-10", 1164.0),  # last day of 3 %
            ("2026-03-11", 1176.0),  # 2 % from the next day
            ("2026-03-17", 1176.0),  # last day of 2 %
            ("2026-03-18", 1200.0),  # one day late: no discount
        ):
            invoice = self._invoice()
            wizard = self._register(invoice, payment_date)
            self.assertEqual(wizard.amount, amount, payment_date)

    def test_second_tier_payment_settles_the_invoice_and_reduces_vat(self):
        invoice = self._invoice()
        payment = self._register(invoice, "2026-03-11")._create_payments()
        self.assertEqual(payment.amount, 1176.0)
        self.assertEqual(invoice.payment_state, "paid")
        # The 24.00 discount: 20.00 of sales and 4.00 of VAT given back.
        discount_lines = payment.move_id.line_ids.filtered(
            lambda line: line.account_id != payment.outstanding_account_id
            and line.account_id.account_type != "asset_receivable"
        )
        tax_line = discount_lines.filtered("tax_line_id")
        self.assertEqual(tax_line.balance, 4.0)
        self.assertEqual(sum(discount_lines.mapped("balance")), 24.0)
        # Odoo's own first-tier figures are left as they were.
        self.assertEqual(self.term.discount_percentage, 3.0)
        term_line = invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        self.assertEqual(term_line.discount_amount_currency, 1164.0)

    def test_discount_on_untaxed_amount_only(self):
        term = self.term.copy({"early_pay_discount_computation": "excluded"})
        invoice = self._invoice(term)
        # 1200.00 - 2 % x 1000.00
        self.assertEqual(self._register(invoice, "2026-03-12").amount, 1180.0)

    def test_late_discount_only_when_granted_with_a_reason(self):
        invoice = self._invoice()
        self.assertEqual(self._register(invoice, "2026-03-20").amount, 1200.0)
        self.env["account.early.discount.grant"].with_context(
            active_id=invoice.id
        ).create({"reason": "Transfer ordered on 16 March"}).action_grant()
        self.assertRecordValues(
            invoice,
            [
                {
                    "early_discount_grant_percentage": 2.0,
                    "early_discount_grant_reason": "Transfer ordered on 16 March",
                    "early_discount_granted_by_id": self.env.user.id,
                }
            ],
        )
        self.assertIn("Transfer ordered on 16 March", invoice.message_ids[0].body)
        self._register(invoice, "2026-03-20")._create_payments()
        self.assertEqual(invoice.payment_state, "paid")

    def test_posted_invoices_keep_the_discounts_they_were_issued_with(self):
        invoice = self._invoice()
        self.term.discount_tier_ids.discount_days = 20
        self.assertEqual(self._register(invoice, "2026-03-18").amount, 1200.0)

    def test_only_managers_grant_discounts_and_within_bounds(self):
        invoice = self._invoice()
        with self.assertRaisesRegex(UserError, "between 0 and 100"):
            invoice._grant_early_discount(100.0, "Too generous")
        clerk = new_test_user(
            self.env,
            login="clerk",
            groups="account.group_account_invoice",
            company_id=self.env.company.id,
            company_ids=self.env.company.ids,
        )
        with self.assertRaises(AccessError):
            invoice.with_user(clerk)._grant_early_discount(2.0, "Friend of mine")
        with self.assertRaises(AccessError):
            invoice.with_user(clerk).write({"early_discount_grant_percentage": 2.0})

    def test_tiers_must_run_longer_and_give_less(self):
        with self.assertRaises(ValidationError):
            self.term.discount_tier_ids = [
                Command.create({"discount_percentage": 2.5, "discount_days": 6})
            ]
        with self.assertRaises(ValidationError):
            self.term.early_pay_discount_computation = "mixed"

    def test_invoice_mentions_every_tier(self):
        invoice = self._invoice()
        self.assertEqual(
            invoice._receivable_discount_mention(),
            "Discount for early payment: 3 % if paid by 03/10/2026, "
            "2 % if paid by 03/17/2026.",
        )
