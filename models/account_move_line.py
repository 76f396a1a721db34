# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _get_installments_data(
        self, payment_currency=None, payment_date=None, next_payment_date=None
    ):
        """Propose the amount of the discount tier the payment date earns.

        Odoo stores the amount after its own (first) discount on the line;
        a later tier or a granted discount changes it, and the payment
        register, reconciliation and write-off follow these figures.
        """
        installments = super()._get_installments_data(
            payment_currency=payment_currency,
            payment_date=payment_date,
            next_payment_date=next_payment_date,
        )
        payment_date = payment_date or fields.Date.context_today(self)
        for installment in installments:
            if installment["type"] != "early_payment_discount":
                continue
            line = installment["line"]
            move = line.move_id
            if not line.discount_date or payment_date <= line.discount_date:
                continue  # Odoo's own discount, as stored on the line
            percentage = move._early_discount_percentage(payment_date)
            due_currency, due = move._early_discount_amounts_due(line, percentage)
            sign = move.direction_sign
            installment.update(
                {
                    "amount_residual_currency": due_currency,
                    "amount_residual": due,
                    "amount_residual_currency_unsigned": -sign * due_currency,
                    "amount_residual_unsigned": -sign * due,
                    "discount_amount_currency": line.amount_currency - due_currency,
                    "discount_amount": line.balance - due,
                }
            )
        return installments
