"""The words of an initiative as detection compares them: lower-cased, a small stop list,
a domain thesaurus ("course" and "workshop" are "training") and light suffix stripping."""

import re
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "over",
        "per",
        "the",
        "their",
        "this",
        "to",
        "under",
        "up",
        "via",
        "was",
        "were",
        "which",
        "will",
        "with",
        "within",
        "its",
        "also",
        "more",
        "than",
        "each",
        "all",
        "new",
        "two",
        "three",
        "one",
        "asean",
        "member",
        "states",
        "state",
        "regional",
        "region",
        "programme",
        "program",
        "initiative",
        "project",
        "participants",
        "officials",
        "cyber",
        "cybersecurity",
        "security",
        "that",
        "them",
        "how",
        "next",
        "against",
        "including",
        "such",
        "as",
        "well",
        "through",
        "after",
        "before",
        "among",
        "between",
    ]
)
# A small domain thesaurus: words an author uses interchangeably map to one term.
_SYNONYMS = {
    "course": "training",
    "courses": "training",
    "workshop": "training",
    "workshops": "training",
    "bootcamp": "training",
    "seminar": "training",
    "seminars": "training",
    "masterclass": "training",
    "curriculum": "training",
    "trainings": "training",
    "train": "training",
    "trained": "training",
    "drill": "exercise",
    "drills": "exercise",
    "tabletop": "exercise",
    "ttx": "exercise",
    "simulation": "exercise",
    "csirt": "cert",
    "csirts": "cert",
    "certs": "cert",
    "handling": "response",
    "responders": "response",
    "responder": "response",
    "forensic": "forensics",
    "investigators": "investigation",
    "investigator": "investigation",
    "investigations": "investigation",
    "police": "law_enforcement",
    "enforcement": "law_enforcement",
    "prosecutors": "judicial",
    "prosecutor": "judicial",
    "judges": "judicial",
    "judiciary": "judicial",
    "cii": "critical_infrastructure",
    "ci": "critical_infrastructure",
    "infrastructure": "critical_infrastructure",
    "infrastructures": "critical_infrastructure",
    "critical": "critical_infrastructure",
    "scada": "ics",
    "ot": "ics",
    "diplomats": "diplomacy",
    "diplomatic": "diplomacy",
    "capacity": "capacity",
    "building": "building",
    "awareness": "awareness",
    "fellowship": "fellowship",
    "fellowships": "fellowship",
    "vulnerabilities": "vulnerability",
    "vulnerability": "vulnerability",
    "norms": "norm",
    "fraud": "scam",
    "frauds": "scam",
    "scams": "scam",
    "compounds": "centre",
    "compound": "centre",
    "centers": "centre",
    "center": "centre",
    "centres": "centre",
    "sme": "smes",
    "enterprises": "smes",
    "businesses": "smes",
    "firms": "smes",
    "mentors": "mentor",
    "mentoring": "mentor",
}


_SUFFIXES = (
    "ational",
    "ations",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "ies",
    "ed",
    "es",
    "al",
    "s",
)


def _stem(word: str) -> str:
    """Light suffix stripping (twice at most) so that inflections of one word meet; a final
    silent "e" goes first, so "seize", "seized" and "seizes" are one term (``seiz``)."""
    if word.endswith("e") and len(word) >= 5:
        word = word[:-1]
    for _ in range(2):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
                break
        else:
            break
    return word


@lru_cache(maxsize=200_000)
def _term(word: str) -> str | None:
    """The term a word stands for (None for a stop word); cached, as registries repeat their
    words thousands of times and detection reads every text more than once."""
    if word in _STOP or len(word) < 2 or word.isdigit():
        return None
    word = _SYNONYMS.get(word, word)
    return word if "_" in word else _stem(word)


def terms(text: str) -> list[str]:
    """The normalised terms of a text, in order (stop words dropped, synonyms folded)."""
    return [term for word in _WORD.findall(text.lower()) if (term := _term(word)) is not None]


def surface_words(text: str) -> dict[str, str]:
    """For each term of a text, the first word that produced it (to show a reader)."""
    return dict(_surface_words(text))


@lru_cache(maxsize=4_096)
def _surface_words(text: str) -> dict[str, str]:
    # Explaining pairs reads one initiative's text once per pair it is in: read it once.
    found: dict[str, str] = {}
    for word in _WORD.findall(text.lower()):
        term = _term(word)
        if term is not None:
            found.setdefault(term, word)
    return found
