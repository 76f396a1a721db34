# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Protocol clients, e-invoice formats and simulators, in plain Python.

Nothing in this package imports odoo: the Odoo models map records to the
typed inputs and outputs defined here, so that the domain rules can be tested
and reused without a database.
"""
