# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _with_early_discount_date(self, batch_result):
        """Pass the payment date to the invoices' discount booking, which
        depends on the tier that date earns."""
        return {
            **batch_result,
            "lines": batch_result["lines"].with_context(
                early_discount_payment_date=self.payment_date
            ),
        }

    def _create_payment_vals_from_wizard(self, batch_result):
        return super()._create_payment_vals_from_wizard(
            self._with_early_discount_date(batch_result)
        )

    def _create_payment_vals_from_batch(self, batch_result):
        return super()._create_payment_vals_from_batch(
            self._with_early_discount_date(batch_result)
        )
