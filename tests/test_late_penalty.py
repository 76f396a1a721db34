# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Late-payment penalties on real invoices, with the shipped rate tables.

Rates used (shipped data): ECB main refinancing rate in force on 1 January
2025 3.15 %, on 1 July 2025 2.15 %; French legal interest rate for all other
cases H2 2025 2.76 %, H1 2026 2.62 %. Amounts include 20 % VAT.
"""

from datetime import date
from decimal import Decimal as D

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestLatePenalty(AccountTestInvoicingCommon):
    country_code = "FR"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.term_30_days = cls.env.ref("account.account_payment_term_30days")
        cls.business = cls.env["res.partner"].create(
            {"name": "Dupont Bâtiment SARL", "is_company": True}
        )
        cls.town = cls.env["res.partner"].create(
            {
                "name": "Commune de Rivecourt",
                "is_company": True,
                "receivable_customer_type": "public",
            }
        )
        cls.consumer = cls.env["res.partner"].create({"name": "Claire Martin"})

    def _invoice(self, partner, untaxed, invoice_date):
        """A posted invoice on 30 days, with 20 % VAT."""
        return self._create_invoice_one_line(
            partner_id=partner.id,
            price_unit=untaxed,
            tax_ids=self.tax_sale_a,
            invoice_date=invoice_date,
            invoice_payment_term_id=self.term_30_days.id,
            post=True,
        )

    def _pay(self, invoice, amount, payment_date):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount, "payment_date": payment_date})._create_payments()

    def test_customer_types_follow_the_partner(self):
        self.assertEqual(self.business.receivable_customer_type, "business")
        self.assertEqual(self.consumer.receivable_customer_type, "consumer")
        contact = self.env["res.partner"].create(
            {"name": "Accounts payable", "parent_id": self.town.id}
        )
        self.assertEqual(contact.receivable_customer_type, "public")

    def test_b2b_invoice_47_days_late_across_1_july(self):
        # Due 15 June 2025; 1200.00 x 13.15 % x 15/365 + 1200.00 x 12.15 % x 32/365
        # = 6.484931 + 12.782466 = 19.27
        invoice = self._invoice(self.business, 1000.0, "2025-05-16")
        self.assertEqual(invoice.amount_total, 1200.0)
        self.assertEqual(invoice.invoice_date_due, date(2025, 6, 15))
        breakdown = invoice.late_penalty_breakdown("2025-08-01")
        self.assertEqual(breakdown["days_late"], 47)
        self.assertEqual(breakdown["interest"], D("19.27"))
        self.assertEqual(breakdown["indemnity"], D("40.00"))
        self.assertEqual(
            [
                (r["date_from"], r["date_to"], r["days"], r["rate"])
                for r in breakdown["rates"]
            ],
            [
                (date(2025, 6, 16), date(2025, 6, 30), 15, D("13.15")),
                (date(2025, 7, 1), date(2025, 8, 1), 32, D("12.15")),
            ],
        )
        self.assertEqual(breakdown["currency"], invoice.currency_id)

    def test_b2b_invoice_with_two_partial_payments(self):
        # 500 paid on 25 June, 300 on 10 July:
        # 1200 x 13.15 % x 10 + 700 x 13.15 % x 5 + 700 x 12.15 % x 10
        # + 400 x 12.15 % x 22, over 365 = 10.843699 -> 10.84
        invoice = self._invoice(self.business, 1000.0, "2025-05-16")
        self._pay(invoice, 500.0, "2025-06-25")
        self._pay(invoice, 300.0, "2025-07-10")
        breakdown = invoice.late_penalty_breakdown("2025-08-01")
        self.assertEqual(
            [(r["days"], r["base"], r["rate"]) for r in breakdown["rates"]],
            [
                (10, D("1200.0"), D("13.15")),
                (5, D("700.0"), D("13.15")),
                (10, D("700.0"), D("12.15")),
                (22, D("400.0"), D("12.15")),
            ],
        )
        self.assertEqual(breakdown["interest"], D("10.84"))
        self.assertEqual(breakdown["indemnity"], D("40.00"))

    def test_public_buyer_rate_is_frozen_at_the_first_half_year(self):
        # Due 20 June 2025, 60 days at 3.15 + 8 = 11.15 %:
        # 5040 x 11.15 % x 60 / 365 = 92.376986 -> 92.38
        invoice = self._invoice(self.town, 4200.0, "2025-05-21")
        breakdown = invoice.late_penalty_breakdown("2025-08-19")
        self.assertEqual(breakdown["days_late"], 60)
        self.assertEqual([r["rate"] for r in breakdown["rates"]], [D("11.15")])
        self.assertEqual(breakdown["interest"], D("92.38"))
        self.assertEqual(breakdown["indemnity"], D("40.00"))

    def test_consumer_owes_legal_interest_and_no_indemnity(self):
        # 800.00 due 30 September 2025, 60 days at 2.76 %: 3.629589 -> 3.63
        invoice = self._invoice(self.consumer, 666.67, "2025-08-31")
        self.assertEqual(invoice.amount_total, 800.0)
        breakdown = invoice.late_penalty_breakdown("2025-11-29")
        self.assertEqual(breakdown["interest"], D("3.63"))
        self.assertEqual(breakdown["indemnity"], D(0))

    def test_contractual_rate_below_the_legal_floor_is_refused(self):
        Policy = self.env["account.late.payment.policy"]
        values = {
            "name": "Agreed rate",
            "company_id": self.env.company.id,
            "customer_type": "business",
            "rate_basis": "contractual",
            "indemnity_amount": 40.0,
        }
        # Latest known floor: 3 x 2.62 % (H1 2026) = 7.86 %.
        with self.assertRaisesRegex(ValidationError, "7.86"):
            Policy.create({**values, "contractual_rate": 7.0})
        Policy.create({**values, "contractual_rate": 8.0})
        # In H2 2025 the floor was 3 x 2.76 % = 8.28 %: the computation refuses.
        invoice = self._invoice(self.business, 1000.0, "2025-08-31")
        with self.assertRaisesRegex(UserError, r"8\.28 % for H2 2025"):
            invoice.late_penalty_breakdown("2025-10-30")

    def test_missing_rate_names_the_half_year(self):
        invoice = self._invoice(self.business, 1000.0, "2026-05-16")
        with self.assertRaisesRegex(UserError, "ECB main refinancing rate for H2 2026"):
            invoice.late_penalty_breakdown("2026-08-01")

    @freeze_time("2025-08-01")
    def test_penalty_invoice_is_outside_vat_and_links_back(self):
        invoice = self._invoice(self.business, 1000.0, "2025-05-16")
        self.assertEqual(invoice.late_penalty_interest, 19.27)
        self.assertEqual(invoice.late_penalty_indemnity, 40.0)

        action = invoice.action_invoice_late_penalty()
        penalty = self.env["account.move"].browse(action["res_id"])
        self.assertRecordValues(
            penalty,
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": self.business.id,
                    "late_penalty_origin_id": invoice.id,
                    "late_penalty_date_to": date(2025, 8, 1),
                    "amount_untaxed": 59.27,
                    "amount_tax": 0.0,
                    "amount_total": 59.27,
                    "invoice_payment_term_id": False,
                    "invoice_date_due": date(2025, 8, 1),
                }
            ],
        )
        interest_line, indemnity_line = penalty.invoice_line_ids
        self.assertEqual(interest_line.price_unit, 19.27)
        self.assertFalse(interest_line.tax_ids)
        self.assertEqual(interest_line.account_id.code, "763100")
        self.assertEqual(indemnity_line.price_unit, 40.0)
        self.assertEqual(indemnity_line.account_id.code, "758100")
        self.assertEqual(invoice.late_penalty_invoice_ids, penalty)

        # Once per invoice and period.
        with self.assertRaisesRegex(UserError, "draft penalty invoice"):
            invoice.action_invoice_late_penalty()
        penalty.action_post()
        with self.assertRaisesRegex(UserError, "invoiced up to"):
            invoice.action_invoice_late_penalty()

        # A later period charges the new days only, and no second indemnity:
        # 1200 x 12.15 % x 30 / 365 = 11.983562 -> 11.98
        with freeze_time("2025-08-31"):
            action = invoice.action_invoice_late_penalty()
        later = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(later.amount_total, 11.98)
        self.assertEqual(len(later.invoice_line_ids), 1)

    @freeze_time("2025-08-01")
    def test_a_payment_found_late_corrects_the_next_penalty_invoice(self):
        invoice = self._invoice(self.business, 1000.0, "2025-05-16")
        first = self.env["account.move"].browse(
            invoice.action_invoice_late_penalty()["res_id"]
        )
        first.action_post()
        self.assertEqual(first.late_penalty_interest_amount, 19.27)
        # 600 paid on 30 June, matched only now: to 31 August the interest is
        # 1200 x 13.15 % x 15 + 600 x 12.15 % x 62, over 365 = 18.868767 -> 18.87
        # of which 19.27 was invoiced: nothing more to invoice.
        self._pay(invoice, 600.0, "2025-06-30")
        with freeze_time("2025-08-31"), self.assertRaisesRegex(UserError, "owes no"):
            invoice.action_invoice_late_penalty()

    def test_only_managers_waive_penalties(self):
        invoice = self._invoice(self.business, 1000.0, "2025-05-16")
        clerk = new_test_user(
            self.env,
            login="clerk",
            groups="account.group_account_invoice",
            company_id=self.env.company.id,
            company_ids=self.env.company.ids,
        )
        with self.assertRaises(AccessError):
            invoice.with_user(clerk).write({"late_penalty_waived": True})
        # The clerk still sees the penalty on the invoice.
        self.assertEqual(
            invoice.with_user(clerk).late_penalty_breakdown("2025-08-01")["interest"],
            D("19.27"),
        )

    @freeze_time("2025-08-01")
    def test_waived_penalties_are_kept_with_their_reason(self):
        invoice = self._invoice(self.business, 1000.0, "2025-05-16")
        self.env["account.late.penalty.waive"].with_context(
            active_ids=invoice.ids
        ).create({"reason": "Delivery delayed on our side"}).action_waive()
        self.assertRecordValues(
            invoice,
            [
                {
                    "late_penalty_waived": True,
                    "late_penalty_waiver_reason": "Delivery delayed on our side",
                    "late_penalty_waived_by_id": self.env.user.id,
                }
            ],
        )
        self.assertIn("Delivery delayed on our side", invoice.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "waived"):
            invoice.action_invoice_late_penalty()
