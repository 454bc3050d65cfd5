"""A small Flesch-Kincaid grade measure for the families' pages, with a syllable counter of our own.

Flesch-Kincaid grade level (Kincaid et al. 1975): 0.39 x words per sentence + 11.8 x syllables per word
- 15.59. The grade is a US school year; grade 7 is read by about a 12- to 13-year-old. Counting rules:
a sentence ends at . ! or ? (a bullet point or heading without one is a sentence of its own); a word is
a run of letters, apostrophes or hyphens ("long-term" is one word of two syllables); a number is a
one-syllable word. Syllables are vowel groups, less the common silent English endings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)?")
_SENTENCE_END = re.compile(r"[.!?]+(?=[\s\"”’)]|$)")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
# "-es"/"-ed" that keep their own syllable: "boxes", "places", "changes", "handles", "wanted", "needed".
_VOICED_ENDING = re.compile(r"(?:[sxz]es|[cs]hes|[cg]es|[^aeiouy]les|[td]ed)$")
# A vowel pair said as two syllables ("radio", "media", "period", "calcium", "diet"), but not in "-tion",
# "-sion", "-cian", "-tial", "-gion", where it is one.
_SPLIT_PAIR = re.compile(r"(?<![tscxg])(?:io|ia)|iu|ie(?=t)")


def syllables(word: str) -> int:
    """An estimate of the syllables of one English word (at least one)."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if len(w) <= 3:
        return 1
    if w.endswith(("es", "ed")) and not _VOICED_ENDING.search(w):
        w = w[:-2]                                    # "hopes", "named": the ending is silent
    elif w.endswith("e") and not re.search(r"(?:[^aeiouy]le|ee)$", w):
        w = w[:-1]                                    # "bone", "while" (but "table", "knee" keep it)
    groups = _VOWEL_GROUPS.findall(w)
    return max(1, len(groups) + len(_SPLIT_PAIR.findall(w)))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _syllables_of(token: str) -> int:
    if token[0].isdigit():
        return 1
    return sum(syllables(part) for part in token.split("-") if part) or 1


def sentence_count(text: str) -> int:
    return max(1, len(_SENTENCE_END.findall(text)))


def flesch_kincaid_grade(pieces: Iterable[str]) -> float:
    """The grade of a text given as its pieces (paragraphs, bullet points, headings); a piece without a
    full stop counts as one sentence."""
    n_words = n_sentences = n_syllables = 0
    for piece in pieces:
        tokens = words(piece)
        if not tokens:
            continue
        n_words += len(tokens)
        n_sentences += sentence_count(piece)
        n_syllables += sum(_syllables_of(t) for t in tokens)
    if n_words == 0:
        return 0.0
    return 0.39 * n_words / n_sentences + 11.8 * n_syllables / n_words - 15.59


def without_names(text: str, names: Iterable[str], stand_in: str = "it") -> str:
    """``text`` with each name (longest first, whole words, any case) replaced by a one-syllable stand-in,
    so a sentence keeps its length but a name does not count as hard words."""
    for name in sorted(set(names), key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", stand_in, text, flags=re.IGNORECASE)
    return text
