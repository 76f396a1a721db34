# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64

from odoo import fields, models
from odoo.exceptions import UserError

from ..connectors.ecb_rates import RateFileError, half_year_rates, parse_ecb_rate_file
from ..connectors.late_penalty import RateType


class AccountLatePaymentRateImport(models.TransientModel):
    _name = "account.late.payment.rate.import"
    _description = "Import ECB main refinancing rates"

    file = fields.Binary(required=True)
    filename = fields.Char()
    known_until = fields.Date(
        string="File current on",
        required=True,
        default=fields.Date.context_today,
        help="The day the file was downloaded: half-years starting after it "
        "are not imported, even when no later rate change is listed.",
    )

    def action_import(self):
        self.ensure_one()
        try:
            observations = parse_ecb_rate_file(base64.b64decode(self.file))
        except RateFileError as error:
            raise UserError(
                self.env._(
                    "%(file)s is not an ECB rate file: %(error)s",
                    file=self.filename or self.env._("The file"),
                    error=error,
                )
            ) from error
        rates = half_year_rates(observations, self.known_until)
        Rate = self.env["account.late.payment.rate"]
        existing = {
            rate.date: rate
            for rate in Rate.search([("rate_type", "=", RateType.ECB_MRO.value)])
        }
        created = updated = 0
        for half_year, value in sorted(rates.items()):
            record = existing.get(half_year.start)
            if not record:
                Rate.create(
                    {
                        "rate_type": RateType.ECB_MRO.value,
                        "date": half_year.start,
                        "rate": float(value),
                    }
                )
                created += 1
            elif record.rate != float(value):
                record.rate = float(value)
                updated += 1
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "ECB rates: %(created)s half-years added, %(updated)s updated.",
                    created=created,
                    updated=updated,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
