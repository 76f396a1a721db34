# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""French approved platforms (PA): the AFNOR XP Z12-013 Flow Service.

:mod:`.client` submits invoices and follows their flows, :mod:`.cdar` reads
and writes the CDAR lifecycle statuses, :mod:`.webhook` checks the platform's
notifications, and :mod:`.simulator` is a local PA for tests and demos
(``python -m connectors.pa.simulator --port 8781``).

We depend on pyfrctc (PyPI, LGPL) only for the data it ships, the CDAR D22B
XSD and the FNFE CDAR schematron, found without importing it. Its CDAR code
reads amounts as floats and times as naive datetimes, and cannot write the
per-VAT-rate amounts a 212 needs; its Flow client knows one hard-coded
platform, needs insecure OAuth transport for plain HTTP, raises untyped
errors and sends neither ``trackingId`` nor ``sha256``, on which our
retries rely. So the client and the CDAR code here are our own.
"""
