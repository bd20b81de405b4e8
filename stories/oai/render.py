"""OAI-PMH responses as XML (the standard library's ElementTree), in the shape the
OAI-PMH 2.0 and oai_dc schemas require."""

import datetime
import re
import xml.etree.ElementTree as ET

from archive.dissemination import Record

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

# The prefixes every OAI-PMH reader expects; ElementTree keeps them in a module-wide map.
ET.register_namespace("oai_dc", OAI_DC_NS)
ET.register_namespace("dc", DC_NS)
ET.register_namespace("xsi", XSI_NS)

# Characters XML 1.0 cannot carry at all (most control characters): a contributor's
# text could hold one, and the whole response would then fail to parse.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _oai(tag: str) -> str:
    # OAI-PMH elements are written unprefixed under a default namespace declared on
    # the root (ElementTree would give them a prefix; its default_namespace option
    # refuses the protocol's unqualified attributes).
    return tag


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(
        parent, tag, {k: _NOT_XML.sub("", v) for k, v in attributes.items() if v is not None}
    )
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def response_date() -> str:
    """Now, as OAI-PMH writes responseDate (UTC, to the second)."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(base_url: str, attributes: dict[str, str]) -> ET.Element:
    """The OAI-PMH root with responseDate and the request element."""
    root = ET.Element(
        _oai("OAI-PMH"), {"xmlns": OAI_NS, f"{{{XSI_NS}}}schemaLocation": f"{OAI_NS} {OAI_SCHEMA}"}
    )
    _add(root, _oai("responseDate"), response_date())
    _add(root, _oai("request"), base_url, **attributes)
    return root


def to_bytes(root: ET.Element) -> bytes:
    """The response document, UTF-8 with an XML declaration."""
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8")


def error(root: ET.Element, code: str, message: str) -> None:
    """Add an error element."""
    _add(root, _oai("error"), message, code=code)


def container(verb: str) -> ET.Element:
    """The element that holds a verb's answer (appended to the envelope once complete)."""
    return ET.Element(_oai(verb))


def identify(parent: ET.Element, info: dict) -> None:
    """Identify's elements in the schema's order."""
    for name in ("repositoryName", "baseURL", "protocolVersion"):
        _add(parent, _oai(name), info[name])
    for address in info["adminEmail"]:
        _add(parent, _oai("adminEmail"), address)
    for name in ("earliestDatestamp", "deletedRecord", "granularity"):
        _add(parent, _oai(name), info[name])


def metadata_format(parent: ET.Element) -> None:
    """The one format offered: oai_dc."""
    element = _add(parent, _oai("metadataFormat"))
    _add(element, _oai("metadataPrefix"), "oai_dc")
    _add(element, _oai("schema"), OAI_DC_SCHEMA)
    _add(element, _oai("metadataNamespace"), OAI_DC_NS)


def _dublin_core(parent: ET.Element, described: dict[str, list[str]]) -> None:
    dc = _add(parent, f"{{{OAI_DC_NS}}}dc", **{f"{{{XSI_NS}}}schemaLocation": f"{OAI_DC_NS} {OAI_DC_SCHEMA}"})
    for element, values in described.items():
        for value in values:
            _add(dc, f"{{{DC_NS}}}{element}", value)


def oai_set(parent: ET.Element, spec: str, name: str, description: str | None) -> None:
    """One set of ListSets, its description (if any) as oai_dc."""
    element = _add(parent, _oai("set"))
    _add(element, _oai("setSpec"), spec)
    _add(element, _oai("setName"), name)
    if description:
        _dublin_core(_add(element, _oai("setDescription")), {"description": [description]})


def header(parent: ET.Element, record: Record, identifier: str) -> None:
    """A record's header: identifier, datestamp, sets; status="deleted" for a deleted record."""
    element = _add(parent, _oai("header"), status="deleted" if record.deleted else None)
    _add(element, _oai("identifier"), identifier)
    _add(element, _oai("datestamp"), record.datestamp)
    for spec in record.sets:
        _add(element, _oai("setSpec"), spec)


def record(parent: ET.Element, item: Record, identifier: str, described: dict | None) -> None:
    """A whole record: header, and metadata unless the record is deleted."""
    element = _add(parent, _oai("record"))
    header(element, item, identifier)
    if not item.deleted and described is not None:
        _dublin_core(_add(element, _oai("metadata")), described)


def resumption_token(parent: ET.Element, token: str, complete: int, cursor: int, expires: str | None) -> None:
    """The resumptionToken element; an empty one (no ``expires``) ends the list."""
    attributes = {"completeListSize": str(complete), "cursor": str(cursor), "expirationDate": expires}
    _add(parent, _oai("resumptionToken"), token, **attributes)
