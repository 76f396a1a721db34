# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Chorus Pro, the French public buyers' invoicing platform, through PISTE.

:mod:`.client` talks to the API, :mod:`.statuses` and :mod:`.rules` hold the
platform's rules, and :mod:`.simulator` is a local Chorus Pro for tests and
demos (``python -m connectors.chorus_pro.simulator --port 8780``).
"""
