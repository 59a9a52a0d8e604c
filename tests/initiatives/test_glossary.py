"""The shipped glossary: abbreviations, full names and member states' languages meet as one
concept; accents and tone marks do not matter; an ambiguous glossary is refused."""

import pytest

from aseancyber.initiatives.glossary import Glossary, concepts, glossary, normalise


def test_the_shipped_glossary_loads_and_is_not_a_toy() -> None:
    loaded = glossary()
    assert len(loaded.phrases) + sum(len(b) for b in loaded.unspaced.values()) >= 800


@pytest.mark.parametrize(
    "text",
    [
        "Incident response training for national CERTs",
        "CSIRT incident handling course",
        "Pelatihan penanganan insiden bagi tim tanggap insiden siber",
        "Đào tạo ứng cứu sự cố cho đội ứng cứu sự cố máy tính",
        "Dao tao ung cuu su co cho doi ung cuu su co may tinh",
        "การฝึกอบรมการรับมือเหตุการณ์สำหรับทีมรับมือเหตุการณ์ฉุกเฉินทางคอมพิวเตอร์",
        "Pagsasanay sa pagtugon sa insidente para sa computer emergency response teams",
    ],
)
def test_one_course_in_many_words_is_the_same_concepts(text: str) -> None:
    assert {"training", "incident_response", "cert"} <= set(concepts(text))


def test_abbreviations_and_body_names_meet() -> None:
    assert concepts("CII protection, TELMIN") == concepts(
        "Critical information infrastructure protection, ASEAN Digital Ministers' Meeting"
    )
    assert "confidence_building" in concepts("Regional CBMs")
    assert concepts("ASEAN member states") == [] == concepts("negara anggota ASEAN")


def test_vietnamese_marks_are_normalised_and_thai_marks_kept() -> None:
    assert normalise("Đào tạo ỨNG CỨU") == "dao tao ung cuu"
    assert normalise("ฝึกอบรม") == "ฝึกอบรม"


def test_an_ambiguous_glossary_is_refused() -> None:
    with pytest.raises(ValueError, match="already means"):
        Glossary.parse("training\tcourse\nexercise\tcourse\n")
    with pytest.raises(ValueError, match="expected concept"):
        Glossary.parse("just a phrase\n")
