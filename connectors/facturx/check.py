# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Check Factur-X PDFs or CII XML files from any source.

Usage, from the add-on's folder (``make facturx-check FILES=...`` does the
same)::

    python -m connectors.facturx.check invoice.pdf other.xml

For each file it prints the profile, every finding (rule, severity,
message) and, for a PDF, what keeps the container from being PDF/A-3b.
The exit status is 0 when no file has a blocking finding, 1 otherwise, 2
when a file cannot be read.
"""

import argparse
import sys
from pathlib import Path

from .pdf import PdfError, extract_xml, inspect_pdf
from .validation import ValidationUnavailable, validate_xml


def check_file(path, out):
    """Print the findings for one file; return 0, 1 or 2 as the exit status."""
    data = Path(path).read_bytes()
    problems = []
    if data.startswith(b"%PDF-"):
        try:
            xml = extract_xml(data)
            inspection = inspect_pdf(data)
        except PdfError as error:
            out.write(f"{path}: {error}\n")
            return 2
        if xml is None:
            out.write(f"{path}: no factur-x.xml embedded in this PDF\n")
            return 1
    else:
        xml, inspection = data, None
    report = validate_xml(xml)
    if inspection is not None:
        problems = inspection.problems(report.profile)
    profile = report.profile.conformance_level if report.profile else "unknown profile"
    status = "INVALID" if report.blocking or problems else "valid"
    out.write(f"{path}: {status} ({profile})\n")
    for finding in report.findings:
        severity = finding.severity or "unflagged"
        out.write(f"  {finding.rule_id} [{severity}] {finding.message}\n")
    for problem in problems:
        out.write(f"  PDF/A-3 [fatal] {problem}\n")
    return 1 if status == "INVALID" else 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m connectors.facturx.check",
        description="Validate Factur-X PDFs or CII XML files (XSD, profile "
        "schematron, French BR-FR rules, PDF/A-3 structure).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    arguments = parser.parse_args(argv)
    status = 0
    for path in arguments.files:
        try:
            status = max(status, check_file(path, sys.stdout))
        except (OSError, ValidationUnavailable) as error:
            sys.stdout.write(f"{path}: {error}\n")
            status = 2
    return status


if __name__ == "__main__":
    sys.exit(main())
