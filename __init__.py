import importlib.machinery

import stdnum


def _restore_stdnum_resources():
    """Give python-stdnum back the loader that reads its data files.

    Odoo's lazy monkeypatcher replaces the loader of ``stdnum`` with one that
    cannot open package resources, so ``stdnum.iban`` (imported by the
    factur-x library) fails with "Can't open orphan path" inside Odoo.
    """
    spec = stdnum.__spec__
    if not hasattr(spec.loader, "get_resource_reader"):
        spec.loader = importlib.machinery.SourceFileLoader(spec.name, spec.origin)


_restore_stdnum_resources()

from . import controllers  # noqa: E402
from . import models  # noqa: E402
from . import report  # noqa: E402
from . import wizards  # noqa: E402
