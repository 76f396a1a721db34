# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from .account_einvoice_channel import EINVOICE_ROUTES
from .account_late_payment_policy import CUSTOMER_TYPES
from .res_company import FACTURX_PROFILES


class ResPartner(models.Model):
    _inherit = "res.partner"

    receivable_customer_type = fields.Selection(
        CUSTOMER_TYPES,
        string="Customer Type",
        compute="_compute_receivable_customer_type",
        store=True,
        readonly=False,
        precompute=True,
        help="Decides the late-payment rules that apply: businesses and public "
        "buyers owe interest and the recovery indemnity, consumers only "
        "interest at the legal rate.",
    )

    dunning_policy_id = fields.Many2one(
        "account.dunning.policy",
        help="Leave empty to follow the first policy whose rules match the "
        "customer, or the company's default one.",
    )

    facturx_profile = fields.Selection(
        FACTURX_PROFILES,
        string="Factur-X Profile",
        help="Leave empty to use the company's profile.",
    )
    sepa_mandate_reference = fields.Char(
        string="SEPA Mandate",
        help="Reference of the direct-debit mandate this customer signed. When "
        "set, its invoices are paid by SEPA direct debit from its first bank "
        "account.",
    )

    chorus_structure_id = fields.Char(
        string="Chorus Pro Structure",
        readonly=True,
        help="The buyer's identifier in Chorus Pro, found from its SIRET.",
    )
    chorus_requirement = fields.Selection(
        [
            ("none", "Nothing"),
            ("service", "Service code"),
            ("commitment", "Commitment number"),
            ("service_and_commitment", "Service code and commitment number"),
            ("service_or_commitment", "Service code or commitment number"),
        ],
        string="Chorus Pro Requires",
        default="none",
        help="What this public buyer requires on its invoices, as Chorus Pro "
        "says (refreshed by the button and every week).",
    )
    chorus_service_ids = fields.One2many(
        "account.einvoice.chorus.service", "partner_id", string="Chorus Pro Services"
    )
    chorus_payment_not_reported = fields.Boolean(
        string="Chorus Pro Reports No Payment",
        readonly=True,
        help="This buyer never reports payments in Chorus Pro: its invoices "
        "are followed until they are ordered for payment (MANDATEE).",
    )
    chorus_refreshed_at = fields.Datetime(string="Chorus Pro Refreshed", readonly=True)

    einvoice_channel_id = fields.Many2one(
        "account.einvoice.channel",
        string="E-invoicing Channel",
        company_dependent=True,
        help="Send this customer's e-invoices through this channel, such as "
        "the SFTP drop of a file-exchange agreement. Leave empty to route by "
        "the customer's data.",
    )
    einvoice_route = fields.Selection(
        EINVOICE_ROUTES,
        string="E-invoice Route",
        compute="_compute_einvoice_route",
        help="How this customer's invoices travel: Chorus Pro for public "
        "buyers, the approved platform for French companies, the platform's "
        "international (Peppol) route for foreign companies with a Peppol "
        "identifier, the channel set on the customer, otherwise email.",
    )

    dunning_communication_count = fields.Integer(
        compute="_compute_dunning_communication_count"
    )

    def _compute_dunning_communication_count(self):
        counts = dict(
            self.env["account.dunning.communication"]._read_group(
                [("partner_id", "in", self.ids), ("state", "!=", "preview")],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.dunning_communication_count = counts.get(partner, 0)

    def action_view_dunning_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_receivable_gateway.account_dunning_communication_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        return action

    @api.depends("is_company")
    def _compute_receivable_customer_type(self):
        for partner in self:
            if partner.receivable_customer_type != "public":
                partner.receivable_customer_type = (
                    "business" if partner.is_company else "consumer"
                )

    @api.depends(
        "einvoice_channel_id",
        "receivable_customer_type",
        "is_company",
        "country_id",
        "company_registry",
        "vat",
        "peppol_eas",
        "peppol_endpoint",
    )
    @api.depends_context("company")
    def _compute_einvoice_route(self):
        for partner in self:
            partner.einvoice_route = (
                partner.commercial_partner_id._einvoice_default_route()
            )

    def _einvoice_default_route(self):
        """The route this customer's data calls for. Every French company
        liable to VAT is listed in the directory with its receiving
        platform, so a SIREN is what the approved platform needs."""
        self.ensure_one()
        if self.einvoice_channel_id:
            return self.einvoice_channel_id.channel_type
        if self.receivable_customer_type == "public":
            return "chorus_pro"
        if not self.is_company:
            return "email"
        if self.country_id.code == "FR" and self._receivable_siren():
            return "pa"
        if self.country_id.code != "FR" and self.peppol_eas and self.peppol_endpoint:
            return "pa_international"
        return "email"

    def _receivable_siren(self):
        """The SIREN of a French company: the first nine digits of its SIRET,
        or the last nine of its French VAT number."""
        self.ensure_one()
        registry = (self.company_registry or "").replace(" ", "")
        if registry.isdigit() and len(registry) in (9, 14):
            return registry[:9]
        vat = (self.vat or "").replace(" ", "").upper()
        if vat.startswith("FR") and len(vat) == 13 and vat[4:].isdigit():
            return vat[4:]
        return False

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "receivable_customer_type",
            "dunning_policy_id",
            "facturx_profile",
            "sepa_mandate_reference",
            "chorus_requirement",
            "einvoice_channel_id",
        ]

    def action_chorus_refresh(self):
        """Queue the refresh of these public buyers from Chorus Pro."""
        for partner in self.filtered(lambda p: not p.parent_id):
            partner.with_delay(
                channel="root.einvoice.chorus_pro",
                identity_key=f"chorus-refresh-{partner.id}",
            )._chorus_refresh()

    @api.model
    def _cron_chorus_refresh(self):
        self.search(
            [("receivable_customer_type", "=", "public"), ("parent_id", "=", False)]
        ).action_chorus_refresh()

    def _chorus_refresh(self):
        """Read the buyer's structure, rules and services from Chorus Pro."""
        self.ensure_one()
        siret = (self.company_registry or "").replace(" ", "")
        channel = self.env["account.einvoice.channel"].search(
            [
                ("channel_type", "=", "chorus_pro"),
                ("company_id", "in", (self.company_id or self.env.company).ids),
            ],
            limit=1,
        )
        if not channel or not siret:
            return
        client = channel._chorus_pro_client()
        structure = client.find_structure(siret)
        rules = client.structure_rules(structure.structure_id)
        if rules.service_or_commitment:
            requirement = "service_or_commitment"
        elif rules.service_required and rules.commitment_required:
            requirement = "service_and_commitment"
        elif rules.service_required:
            requirement = "service"
        elif rules.commitment_required:
            requirement = "commitment"
        else:
            requirement = "none"
        services = client.structure_services(structure.structure_id)
        existing = {service.code: service for service in self.chorus_service_ids}
        for service in services:
            values = {
                "name": service.name,
                "chorus_id": str(service.service_id),
                "active": service.active and service.code != "FACTURES_PUBLIQUES",
                "commitment_required": client.service_rules(
                    structure.structure_id, service.service_id
                ).commitment_required
                if service.active
                else False,
            }
            if service.code in existing:
                existing.pop(service.code).write(values)
            else:
                self.env["account.einvoice.chorus.service"].create(
                    {**values, "partner_id": self.id, "code": service.code}
                )
        for gone in existing.values():
            gone.active = False
        self.write(
            {
                "chorus_structure_id": str(structure.structure_id),
                "chorus_requirement": requirement,
                "chorus_payment_not_reported": rules.payment_status_not_reported,
                "chorus_refreshed_at": fields.Datetime.now(),
            }
        )
