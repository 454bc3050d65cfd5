"""Identifiers and names that cannot impersonate each other.

``" demo-00001"``, ``"DEMO\\u200b-00001"`` and ``"DEMO-00001"`` must be one hospital number, and a name
cannot carry an invisible right-to-left override that makes it read differently on screen than in the
database. Normalisation is NFKC (full-width digits, ligatures and compatibility forms fold to their plain
form), then: zero-width characters are removed, bidirectional controls and other control characters are
refused (they have no place in a name or a record number), surrounding whitespace is trimmed.
Names must contain a letter; a name mixing look-alike scripts (Latin with Cyrillic or Greek) is accepted
with a warning, since real names can do this but spoofed ones usually do.
"""

from __future__ import annotations

import unicodedata

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
LOOK_ALIKE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})


def _described(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}"


def clean_text(value: str, what: str) -> str:
    """NFKC, zero-width characters removed, controls refused (``ValueError`` naming the character)."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch not in ZERO_WIDTH)
    for ch in text:
        if ch in BIDI_CONTROLS:
            raise ValueError(f"{value!r} contains a text-direction control ({_described(ch)}) that makes it read "
                             f"differently than it is stored; accepted: a {what} without direction controls")
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in " ":
            raise ValueError(f"{value!r} contains a control or invisible character ({_described(ch)}); "
                             f"accepted: a {what} of visible characters")
    return " ".join(text.split())  # trimmed, and runs of spaces (tabs, no-break spaces) made one space


def normalise_identifier(value: str) -> str:
    cleaned = clean_text(value, "hospital number")
    if not cleaned:
        raise ValueError(f"{value!r} has no visible characters; accepted: a hospital number such as DEMO-00001")
    return cleaned


def normalise_name(value: str) -> str:
    cleaned = clean_text(value, "name")
    if not any(unicodedata.category(ch).startswith("L") for ch in cleaned):
        raise ValueError(f"{value!r} contains no letters (only marks, digits or punctuation); accepted: a name "
                         "with at least one letter")
    return cleaned


def identifier_key(value: str) -> str:
    """What two hospital numbers must differ in: case never makes a second patient."""
    return value.casefold()


def scripts_of(text: str) -> set[str]:
    return {unicodedata.name(ch, "?").split(" ")[0] for ch in text if unicodedata.category(ch).startswith("L")}


def name_warnings(name: str) -> list[str]:
    mixed = scripts_of(name) & LOOK_ALIKE_SCRIPTS
    if len(mixed) > 1:
        return [f"the name mixes {' and '.join(s.title() for s in sorted(mixed))} letters, which can look alike "
                "(e.g. Cyrillic а and Latin a): check it was typed as intended"]
    return []
