# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Schematron worker: runs compiled XSLT schematrons with saxonche.

Started as a separate process by :mod:`.validation` and run as a script
(it imports nothing from this package), so that Saxon's native runtime lives
outside the Odoo process: a crash there cannot take an Odoo worker down.

Protocol on stdin/stdout: frames of a 4-byte big-endian length followed by
a UTF-8 JSON object. Request ``{"xslt": path, "xml": text}``; answer
``{"findings": [...]}`` or ``{"error": text}``. Stylesheets are compiled
from their file path (so that their relative ``document()`` calls resolve)
and kept for the life of the process.
"""

import json
import resource
import struct
import sys

from lxml import etree

SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


def read_frame(stream):
    header = stream.read(4)
    if len(header) < 4:
        return None
    (size,) = struct.unpack(">I", header)
    return json.loads(stream.read(size).decode("utf-8"))


def write_frame(stream, payload):
    data = json.dumps(payload).encode("utf-8")
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def findings(svrl_text):
    svrl = etree.fromstring(svrl_text.encode("utf-8"))
    result = []
    for element in svrl.xpath(
        "//svrl:failed-assert | //svrl:successful-report", namespaces=SVRL
    ):
        text = element.find("svrl:text", SVRL)
        result.append(
            {
                "rule_id": element.get("id") or "",
                "flag": element.get("flag") or "",
                "location": element.get("location") or "",
                "test": element.get("test") or "",
                "message": " ".join(
                    (text.xpath("string()") if text is not None else "").split()
                ),
            }
        )
    return result


def main():
    # Odoo caps its own address space (limit_memory_hard) and we inherit the
    # cap; Saxon's native runtime reserves more than that at start-up.
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    compiler = processor.new_xslt30_processor()
    compiled = {}
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        request = read_frame(stdin)
        if request is None:
            return
        try:
            path = request["xslt"]
            if path not in compiled:
                compiled[path] = compiler.compile_stylesheet(stylesheet_file=path)
            node = processor.parse_xml(xml_text=request["xml"].lstrip("\ufeff"))
            svrl_text = compiled[path].transform_to_string(xdm_node=node)
            write_frame(stdout, {"findings": findings(svrl_text)})
        except Exception as error:  # noqa: BLE001 - reported to the caller
            write_frame(stdout, {"error": f"{type(error).__name__}: {error}"})


if __name__ == "__main__":
    main()
