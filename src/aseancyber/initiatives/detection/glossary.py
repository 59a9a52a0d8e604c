"""The words of an initiative as concepts, whatever language or abbreviation it is written in.

Detection compares initiatives registered by ten-odd states and a dozen sectoral bodies:
the same course is "incident response training for CERTs", "CSIRT incident handling
course", "pelatihan penanganan insiden untuk tim tanggap insiden siber" or "đào tạo ứng cứu
sự cố". A shipped domain glossary (``lexicon/terms.tsv``, some 1,700 phrases in English,
Bahasa Indonesia and Malay, Vietnamese, Filipino, Thai, Khmer, Lao and Burmese: the field's
generic vocabulary of threats, technologies, crimes, actors and activities, plus the
abbreviations of the field and of the sectoral bodies) maps each phrase to one concept
token, so that those texts meet; a text in another language than English is also compared
with an English one on those concepts alone (:func:`is_english`, see :mod:`.scoring`).
Nothing is downloaded and nothing is learnt at run time; a word the glossary does not know
goes through the English stop list, thesaurus and stemmer of
:mod:`aseancyber.initiatives.detection.vocabulary`, and reaches a concept when its stem is that of a
one-word phrase ("seized" and "seize", "regulators" and "regulator").

Normalisation first lower-cases and removes the accents and tone marks of Latin script
(Vietnamese "ứng cứu sự cố" becomes "ung cuu su co", "đ" becomes "d"), so a text typed with
or without marks matches. Thai, Khmer, Lao and Burmese are written without spaces between
words (a space there separates phrases): their glossary phrases are found inside the text
with its spaces removed, longest first.
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files

from aseancyber.initiatives.detection.vocabulary import terms as english_terms

DROP = "-"
"""The concept of boilerplate phrases ("ASEAN member states" in any language)."""
LONGEST_PHRASE = 12
"""No glossary phrase has more words than this (checked when the glossary is loaded)."""

_WORD = re.compile(r"[a-z0-9]+")
# Scripts written without spaces between words: Thai, Lao, Burmese, Khmer.
_UNSPACED_LETTERS = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
_UNSPACED = re.compile(f"[{_UNSPACED_LETTERS}]+")
# In those scripts a space separates phrases or clauses, not words ("សហគ្រាសធុនតូច និងមធ្យម"
# is one term): a run goes on across spaces between two of their letters.
_UNSPACED_RUN = re.compile(f"[{_UNSPACED_LETTERS}]+(?:\\s+[{_UNSPACED_LETTERS}]+)*")
_SPACES = re.compile(r"\s+")
_LATIN_MARKS = re.compile("[\u0300-\u036f]+")
_FOLD = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "ł": "l", "ø": "o", "ß": "ss"})


def normalise(text: str) -> str:
    """Lower case, Latin accents and Vietnamese tone marks removed; other scripts kept."""
    if text.isascii():
        return text.lower()
    # U+0300-U+036F combine with Latin letters only (Vietnamese tone marks included); the
    # marks of Thai, Lao, Khmer and Burmese are in their own blocks and are kept.
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD).lower())
    return unicodedata.normalize("NFC", _LATIN_MARKS.sub("", decomposed))


@dataclass(frozen=True)
class Glossary:
    """Phrases (as word tuples, or as strings for unspaced scripts) and their concepts."""

    phrases: dict[tuple[str, ...], str]
    longest: dict[str, int]  # first word -> the most words of a phrase starting with it
    unspaced: dict[
        str, list[tuple[str, str]]
    ]  # first character -> (phrase, concept), longest first
    stems: dict[str, str] = field(default_factory=dict)  # English term -> concept

    @classmethod
    def parse(cls, text: str) -> "Glossary":
        """A glossary from ``concept<TAB>phrase`` lines (``#`` starts a comment line).

        A phrase given twice with two concepts is an error: the glossary would be ambiguous."""
        phrases: dict[tuple[str, ...], str] = {}
        unspaced: dict[str, list[tuple[str, str]]] = {}
        problems: list[str] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            concept, separator, phrase = line.partition("\t")
            concept = concept.strip()
            normal = normalise(phrase.strip())
            if not separator or not concept or not normal:
                problems.append(f"line {number}: expected concept<TAB>phrase")
                continue
            compact = re.sub(r"[\s-]", "", normal)
            if _UNSPACED.fullmatch(compact):
                bucket = unspaced.setdefault(compact[0], [])
                if any(known == compact and other != concept for known, other in bucket):
                    problems.append(f"line {number}: {phrase!r} already has another concept")
                bucket.append((compact, concept))
                continue
            words = tuple(_WORD.findall(normal))
            if not words or len(words) > LONGEST_PHRASE:
                problems.append(f"line {number}: {phrase!r} has no word or too many words")
                continue
            if phrases.get(words, concept) != concept:
                problems.append(f"line {number}: {phrase!r} already means {phrases[words]}")
            phrases[words] = concept
        if problems:
            raise ValueError("glossary: " + "; ".join(problems))
        longest: dict[str, int] = {}
        for words in phrases:
            longest[words[0]] = max(longest.get(words[0], 0), len(words))
        for bucket in unspaced.values():
            bucket.sort(key=lambda item: -len(item[0]))
        return cls(phrases, longest, unspaced, _stems(phrases))

    def concepts(self, text: str) -> list[str]:
        """The terms of ``text``: glossary concepts where a phrase matches (longest first),
        otherwise the English term of each word; boilerplate and stop words dropped."""
        found: list[str] = []
        normal = normalise(text)
        position = 0
        for run in _UNSPACED_RUN.finditer(normal):
            found.extend(self._spaced(normal[position : run.start()]))
            found.extend(self._unspaced(_SPACES.sub("", run.group())))
            position = run.end()
        found.extend(self._spaced(normal[position:]))
        return found

    def _spaced(self, text: str) -> Iterator[str]:
        words = _WORD.findall(text)
        index, count = 0, len(words)
        while index < count:
            word = words[index]
            longest = self.longest.get(word, 0)
            for size in range(min(longest, count - index), 0, -1):
                concept = self.phrases.get(tuple(words[index : index + size]))
                if concept is not None:
                    if concept != DROP:
                        yield concept
                    index += size
                    break
            else:
                stems = self.stems
                for term in _english(word):
                    yield stems.get(term, term)
                index += 1

    def _unspaced(self, run: str) -> Iterator[str]:
        index = 0
        while index < len(run):
            for phrase, concept in self.unspaced.get(run[index], ()):
                if run.startswith(phrase, index):
                    if concept != DROP:
                        yield concept
                    index += len(phrase)
                    break
            else:
                index += 1  # a word the glossary does not know: not compared


def _stems(phrases: dict[tuple[str, ...], str]) -> dict[str, str]:
    """The English term of each one-word phrase and its concept, so that the inflections the
    glossary does not list ("seized", "audited", "regulators") reach the concept of the word
    it lists ("seize", "audit", "regulator"); a term two concepts claim is left as it is."""
    stems: dict[str, str] = {}
    claimed: set[str] = set()
    for words, concept in phrases.items():
        if len(words) != 1 or concept == DROP:
            continue
        for term in _english(words[0]):
            if stems.setdefault(term, concept) != concept:
                claimed.add(term)
    for term in claimed:
        del stems[term]
    return stems


@lru_cache(maxsize=200_000)
def _english(word: str) -> tuple[str, ...]:
    return tuple(english_terms(word))


@cache
def glossary() -> Glossary:
    """The shipped glossary (read once per process)."""
    return Glossary.parse(
        (files("aseancyber.initiatives.detection") / "lexicon" / "terms.tsv").read_text()
    )


def concepts(text: str) -> list[str]:
    """The concept terms of ``text`` through the shipped glossary."""
    return glossary().concepts(text)


@cache
def concept_terms() -> frozenset[str]:
    """Every concept of the shipped glossary (the terms all its languages share)."""
    loaded = glossary()
    found = set(loaded.phrases.values())
    for bucket in loaded.unspaced.values():
        found.update(concept for _, concept in bucket)
    found.discard(DROP)
    return frozenset(found)


_ENGLISH_MARKERS = frozenset(
    [
        "the",
        "and",
        "of",
        "for",
        "to",
        "in",
        "on",
        "with",
        "from",
        "by",
        "as",
        "is",
        "are",
        "will",
        "their",
        "this",
        "that",
    ]
)
ENGLISH_SHARE = 0.08
"""A text is English when at least this share of its words are English function words."""


@lru_cache(maxsize=65_536)
def is_english(title: str, text: str) -> bool:
    """Whether an initiative is written in English (its words other than glossary concepts
    then meet other English texts; a text in another language meets them on concepts)."""
    normal = normalise(f"{title} {text}")
    words = _WORD.findall(normal)
    if not words or _UNSPACED.search(normal):
        return False
    return sum(word in _ENGLISH_MARKERS for word in words) >= ENGLISH_SHARE * len(words)
