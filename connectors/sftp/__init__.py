# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""SFTP drop: invoices written to a partner's SFTP server, acks polled back.

:mod:`.client` uploads (atomically, idempotently), finds a file again and
reads acknowledgements; :mod:`.server` is a local SFTP server for tests and
demos (``python -m connectors.sftp.server --root DIR --user U --password P``).
"""
