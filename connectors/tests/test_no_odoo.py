# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The connectors package must work without Odoo."""

import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]

IMPORT_ALL_WITHOUT_ODOO = """
import importlib, pkgutil, sys

class RefuseOdoo:
    def find_spec(self, name, path=None, target=None):
        if name == "odoo" or name.startswith("odoo."):
            raise ImportError(f"connectors must not import {name}")

sys.meta_path.insert(0, RefuseOdoo())
sys.path.insert(0, sys.argv[1])
import connectors
for module in pkgutil.walk_packages(connectors.__path__, "connectors."):
    if ".tests" not in module.name:
        importlib.import_module(module.name)
        print(module.name)
"""


def test_connectors_import_without_odoo():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL_WITHOUT_ODOO, str(REPOSITORY)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "connectors.errors" in result.stdout.split()
