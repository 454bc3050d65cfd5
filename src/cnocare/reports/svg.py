"""Tiny SVG-writing helpers shared by the skeleton map and the charts.

Every text that may come from data goes through ``text`` or ``attrs``; both drop characters that
XML 1.0 forbids, so a hostile note can neither inject markup nor make the document ill-formed.
"""

from __future__ import annotations

import math
import re

# Characters XML 1.0 does not allow at all (escaping cannot rescue them): C0 controls except tab/LF/CR,
# lone surrogates and the two non-characters U+FFFE/U+FFFF.
_FORBIDDEN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

SVG_NS = "http://www.w3.org/2000/svg"


def text(value: object) -> str:
    """``value`` as XML character data (also safe inside double-quoted attributes)."""
    cleaned = _FORBIDDEN_XML.sub("\ufffd", str(value))
    return (cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def attrs(**values: object) -> str:
    """Attributes as `` name="value"``; None values are left out, ``_`` in names becomes ``-``.

    A trailing underscore is dropped so Python keywords can be used (``class_=``).
    """
    parts = []
    for name, value in values.items():
        if value is None:
            continue
        xml_name = name.rstrip("_").replace("_", "-")
        parts.append(f' {xml_name}="{text(value)}"')
    return "".join(parts)


def num(value: float) -> str:
    """A coordinate with at most two decimals and no ``-0``."""
    if not math.isfinite(value):
        raise ValueError(f"coordinate {value!r} is not a finite number")
    rounded = round(value, 2) + 0.0
    return f"{rounded:g}" if abs(rounded) < 1e6 else f"{rounded:.2f}"


def checked_id_prefix(id_prefix: str) -> str:
    """Refuse an id prefix that would make invalid or colliding XML ids."""
    if not _ID.fullmatch(id_prefix):
        raise ValueError(f"id_prefix {id_prefix!r} is not usable as an XML id; accepted: a letter followed by"
                         " letters, digits, '-' or '_'")
    return id_prefix
