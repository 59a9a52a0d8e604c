"""The fresh held-out part (``held_out_2``) of the evaluation set is well formed: every kind
is there, its pairs name its own initiatives, its cross-language texts are not English, and
no text is copied from another part. Structure only: nothing here runs detection on it."""

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from aseancyber.initiatives.detection.evaluation import load_set
from tests.initiatives import evaluation_fresh
from tests.initiatives.evaluation_fresh_languages import LANGUAGES
from tests.initiatives.evaluation_fresh_subjects import SUBJECTS
from tests.initiatives.evaluation_topics import TOPICS

EVALUATION_SET = Path(__file__).resolve().parent / "data" / "evaluation.json"
PART = evaluation_fresh.PART
TEXTS = ("title", "summary", "activities")
# Function words English cannot do without; none of them is a word of the member states'
# languages written here ("at" is Filipino for "and", so it is left out).
ENGLISH_FUNCTION_WORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "for",
        "to",
        "in",
        "on",
        "with",
        "from",
        "by",
        "an",
        "is",
        "are",
        "that",
        "their",
        "this",
        "which",
    ]
)


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EVALUATION_SET.read_text())
    return data


def _rows(data: dict[str, Any], *, part: str) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in data["initiatives"] if row["part"] == part}


def _text(row: dict[str, Any]) -> str:
    return " ".join(row[key] for key in TEXTS)


def test_the_fresh_part_loads_with_every_kind_and_only_its_own_ids() -> None:
    labelled = load_set(EVALUATION_SET, part=PART)
    assert len(labelled.profiles) >= 500
    duplicates = Counter(labelled.duplicates.values())
    negatives = Counter(labelled.hard_negatives.values())
    assert all(duplicates[kind] >= 20 for kind in evaluation_fresh.DUPLICATE_KINDS), duplicates
    assert all(negatives[kind] >= 15 for kind in evaluation_fresh.NEGATIVE_KINDS), negatives
    assert sum(duplicates.values()) >= 120
    ids = {profile.id for profile in labelled.profiles}
    assert len(ids) == len(labelled.profiles)
    data = _data()
    pairs = [p for p in data["duplicates"] + data["hard_negatives"] if p["part"] == PART]
    assert len(pairs) == len(labelled.duplicates) + len(labelled.hard_negatives)
    assert all(
        p["first"] in ids and p["second"] in ids and p["first"] != p["second"] for p in pairs
    )
    assert not set(labelled.duplicates) & set(labelled.hard_negatives)


def test_the_stored_part_is_what_its_generator_writes() -> None:
    builder = evaluation_fresh.FreshBuilder(evaluation_fresh.SEED)
    builder.build()
    data = _data()
    assert builder.items == list(_rows(data, part=PART).values())
    assert builder.duplicates == [
        {key: p[key] for key in ("first", "second", "kind")}
        for p in data["duplicates"]
        if p["part"] == PART
    ]


def test_its_topics_are_new_and_written_in_every_language() -> None:
    keys = [topic.key for topic in evaluation_fresh.TOPICS]
    assert len(set(keys)) == len(keys) >= 30
    assert not set(keys) & {topic.key for topic in TOPICS}
    older_titles = {w.title for t in TOPICS for w in t.wordings} | {t.renamed for t in TOPICS}
    assert not older_titles & {w.title for t in evaluation_fresh.TOPICS for w in t.wordings}
    assert set(SUBJECTS) == set(keys)
    assert all(set(subject) == set(LANGUAGES) for subject in SUBJECTS.values())
    assert len(LANGUAGES) >= 5


def test_cross_language_texts_are_not_english() -> None:
    data = _data()
    rows = _rows(data, part=PART)
    foreign = [
        _text(rows[p["second"]])
        for p in data["duplicates"]
        if p["part"] == PART and p["kind"] == "cross_language"
    ]
    assert len(foreign) >= 20
    for text in foreign:
        words = re.findall(r"[^\W\d_]+", text.lower())
        english = sum(word in ENGLISH_FUNCTION_WORDS for word in words)
        assert english <= 0.1 * len(words), text
    english_rows = [_text(row) for row in rows.values() if _text(row) not in foreign]
    for text in english_rows:  # the same measure sees the English rows as English
        words = re.findall(r"[^\W\d_]+", text.lower())
        assert sum(word in ENGLISH_FUNCTION_WORDS for word in words) > 0.1 * len(words), text
    thai = [text for text in foreign if re.search("[\u0e00-\u0e7f]", text)]
    vietnamese = [text for text in foreign if re.search("[ăâđêôơư]", text.lower())]
    filipino = [text for text in foreign if re.search(r"\bmga\b", text)]
    malay_or_indonesian = [text for text in foreign if re.search(r"\bdari\b", text)]
    assert thai
    assert vietnamese
    assert filipino
    assert malay_or_indonesian


def test_no_text_is_copied_from_another_part() -> None:
    data = _data()
    others = {
        row[key].strip().lower()
        for row in data["initiatives"]
        if row["part"] != PART
        for key in TEXTS
    }
    copied = [
        row[key]
        for row in _rows(data, part=PART).values()
        for key in TEXTS
        if row[key].strip().lower() in others
    ]
    assert not copied
