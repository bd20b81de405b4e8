"""Validating OAI-PMH responses offline against the official schemas in tests/schemas/."""

import functools
import hashlib
import pathlib

from lxml import etree

SCHEMAS = pathlib.Path(__file__).resolve().parent / "schemas"
# The canonical URLs the schemas import each other by, and the local copy of each.
LOCAL = {
    "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd": "OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd": "oai_dc.xsd",
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": "simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
}
SHA256 = {
    "OAI-PMH.xsd": "da217eb992fff3261ce109282e8be17f46f84cfb2e417667aa5c9359744fc55d",
    "oai_dc.xsd": "7383d21bca49c1186627e820a5da7ec209febfc5b4295fada39720ad0cebee9a",
    "simpledc20021212.xsd": "e9542e0cd08b59ad3ad994f50226dd7e6707792327b08f46eaa6250dd728d3aa",
    "xml.xsd": "0ed94db44402526e7a683424d0bd4b65e5bc50e65d9b9a762b11b30bae06d0c8",
}
_DRIVER = b"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="http://www.openarchives.org/OAI/2.0/"
             schemaLocation="http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"/>
  <xs:import namespace="http://www.openarchives.org/OAI/2.0/oai_dc/"
             schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc.xsd"/>
</xs:schema>"""


class _LocalCopies(etree.Resolver):
    """Answers the schemas' imports from tests/schemas; anything else fails loudly."""

    def resolve(self, url, pubid, context):
        name = LOCAL.get(url)
        if name is None:
            raise AssertionError(f"schema wants a file we do not ship: {url}")
        return self.resolve_filename(str(SCHEMAS / name), context)


@functools.cache
def oai_schema() -> etree.XMLSchema:
    """The OAI-PMH schema with oai_dc beside it, compiled without the network."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_LocalCopies())
    return etree.XMLSchema(etree.fromstring(_DRIVER, parser))


def assert_valid(document: bytes) -> etree._Element:
    """Parse a response and validate it; raises DocumentInvalid with libxml2's message."""
    root = etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False))
    oai_schema().assertValid(root)
    return root


def checksums() -> dict[str, str]:
    """SHA-256 of each shipped schema file."""
    return {name: hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest() for name in SHA256}
