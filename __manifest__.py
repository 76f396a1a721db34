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
        "views/account_move_views.xml",
    ],
    "demo": [
        "demo/res_company_demo.xml",
        "demo/res_partner_demo.xml",
        "demo/product_product_demo.xml",
        "demo/account_move_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "account_receivable_gateway/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
