# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountEinvoiceChorusAnswer(models.TransientModel):
    """The supplier's answer to a suspended invoice (complete it with
    documents) or to one to recycle (new routing, same invoice number)."""

    _name = "account.einvoice.chorus.answer"
    _description = "Answer to Chorus Pro"

    move_id = fields.Many2one("account.move", required=True, readonly=True)
    action = fields.Selection(
        [("complete", "Complete"), ("recycle", "Recycle")], required=True, readonly=True
    )
    comment = fields.Text(required=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Supporting Documents")
    service_code = fields.Char(string="Buyer Service Code")
    commitment_number = fields.Char(size=50)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        move = self.env["account.move"].browse(self.env.context.get("active_id"))
        if move:
            values.setdefault("service_code", move.einvoice_service_code)
            values.setdefault("commitment_number", move.einvoice_commitment_number)
        return values

    def action_confirm(self):
        """Queue the answer; Chorus Pro is called from the job."""
        self.ensure_one()
        transmission = self.move_id.einvoice_transmission_ids.filtered(
            lambda t: t.channel_type == "chorus_pro" and t.external_document_id
        )[:1]
        expected = {"complete": "SUSPENDUE", "recycle": "A_RECYCLER"}[self.action]
        if transmission.business_status != expected:
            raise UserError(
                self.env._(
                    "Chorus Pro only takes this answer for an invoice in status "
                    "%(status)s.",
                    status=expected,
                )
            )
        if self.action == "recycle":
            self.move_id.write(
                {
                    "einvoice_service_code": self.service_code,
                    "einvoice_commitment_number": self.commitment_number,
                }
            )
            self.move_id._chorus_pro_check_routing()
        transmission.with_delay(
            channel="root.einvoice.chorus_pro",
            identity_key=f"chorus-answer-{transmission.id}-{self.action}",
        )._job_chorus_pro_answer(self.action, self.comment, self.attachment_ids.ids)
        return {"type": "ir.actions.act_window_close"}
