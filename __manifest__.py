# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Account Receivable Gateway",
    "summary": "Dunning, late-payment terms, Factur-X, Chorus Pro and e-invoicing"
    " channels for customer invoices",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "author": "Account Receivable Gateway contributors",
    "license": "AGPL-3",
    "development_status": "Alpha",
    "depends": [
        "account",
        "account_payment",
        "portal",
        "mail",
        "account_edi_ubl_cii",
        "queue_job",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/account_late_payment_policy_security.xml",
        "security/account_dunning_security.xml",
        "data/account_late_payment_rate_data.xml",
        "data/account_late_payment_policy_data.xml",
        "data/account_dunning_policy_data.xml",
        "data/ir_cron_data.xml",
        "wizards/account_late_penalty_waive_views.xml",
        "wizards/account_early_discount_grant_views.xml",
        "wizards/account_late_payment_rate_import_views.xml",
        "views/account_late_payment_rate_views.xml",
        "views/account_late_payment_policy_views.xml",
        "views/account_dunning_policy_views.xml",
        "views/account_dunning_run_views.xml",
        "views/account_move_views.xml",
        "views/account_payment_term_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/account_receivable_gateway_menus.xml",
        "report/account_move_report.xml",
    ],
    "demo": [
        "demo/res_company_demo.xml",
        "demo/res_partner_demo.xml",
        "demo/product_product_demo.xml",
        "demo/account_move_demo.xml",
        "demo/account_late_payment_rate_demo.xml",
    ],
    "assets": {
        "web.report_assets_common": [
            "account_receivable_gateway/static/src/scss/report_local_fonts.scss",
        ],
        "web.assets_tests": [
            "account_receivable_gateway/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
