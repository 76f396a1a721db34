# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models

FACTURX_PROFILES = [
    ("minimum", "MINIMUM"),
    ("basicwl", "BASIC WL"),
    ("basic", "BASIC"),
    ("en16931", "EN 16931"),
    ("extended", "EXTENDED"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    late_penalty_interest_account_id = fields.Many2one(
        "account.account",
        string="Late-payment Interest Account",
        check_company=True,
        help="Income account of late-payment interest invoiced to customers "
        "(French chart: 763100 when left empty).",
    )
    late_penalty_indemnity_account_id = fields.Many2one(
        "account.account",
        string="Recovery Indemnity Account",
        check_company=True,
        help="Income account of the fixed recovery indemnity "
        "(French chart: 758100 when left empty).",
    )

    dunning_promise_grace_days = fields.Integer(
        string="Promise Grace Period (days)",
        default=3,
        help="Days after a promised payment date before the promise counts as "
        "broken and reminders resume.",
    )

    dunning_collector_id = fields.Many2one(
        "res.users",
        string="Default Collector",
        help="Responsible for the calls and letters of customers without a "
        "salesperson.",
    )
    dunning_thank_you = fields.Boolean(
        string="Thank Customers for Payment",
        help="Send a thank-you message when a reminded invoice is paid.",
    )

    facturx_profile = fields.Selection(
        FACTURX_PROFILES,
        string="Factur-X Profile",
        default="en16931",
        required=True,
        help="Profile of the Factur-X files made for customer invoices, unless "
        "the customer asks for another one. EN 16931 and EXTENDED are the ones "
        "the French e-invoicing reform accepts.",
    )
    einvoice_send_on_post = fields.Boolean(
        string="Send E-invoices on Posting",
        help="Queue every posted customer invoice for its customer's channel "
        "(Chorus Pro, approved platform, SFTP or email) as soon as it is posted.",
    )
    sepa_creditor_identifier = fields.Char(
        string="SEPA Creditor Identifier",
        help="Creditor identifier (ICS) written on invoices paid by SEPA direct debit.",
    )

    def _late_penalty_accounts(self):
        """Return the (interest, indemnity) income accounts, falling back on
        the French chart's accounts."""
        self.ensure_one()
        chart = self.env["account.chart.template"].with_company(self)
        french = self.chart_template == "fr"
        interest = self.late_penalty_interest_account_id or (
            french and chart.ref("pcg_7631", raise_if_not_found=False)
        )
        indemnity = self.late_penalty_indemnity_account_id or (
            french and chart.ref("pcg_7581", raise_if_not_found=False)
        )
        return interest or self.env["account.account"], indemnity or self.env[
            "account.account"
        ]
