"""English words as detection compares them: inflections of one word are one term."""

import pytest

from aseancyber.initiatives.detection.vocabulary import terms


@pytest.mark.parametrize(
    "words",
    [
        "seize seized seizes",
        "device devices",
        "examine examined examines",
        "practise practised practises",
        "guide guides",
    ],
)
def test_inflections_of_one_word_are_one_term(words: str) -> None:
    assert len(set(terms(words))) == 1, terms(words)


def test_short_words_keep_their_final_e() -> None:
    assert terms("role roles case cases") == ["role", "role", "case", "case"]
