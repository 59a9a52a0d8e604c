"""The shipped glossary: abbreviations, full names and member states' languages meet as one
concept; accents and tone marks do not matter; an ambiguous glossary is refused."""

import json
from importlib.resources import files

import pytest

from aseancyber.initiatives.detection.glossary import (
    Glossary,
    concepts,
    glossary,
    is_english,
    normalise,
)


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


@pytest.mark.parametrize(
    "text",
    [
        "Kursus pengendalian insiden untuk pasukan tindak balas insiden keselamatan komputer",
        "Pagsasanay sa pagtugon sa mga insidente para sa mga computer emergency response team",
        "វគ្គបណ្តុះបណ្តាលស្តីពីការឆ្លើយតបឧប្បត្តិហេតុសម្រាប់ក្រុមឆ្លើយតបបន្ទាន់កុំព្យូទ័រ",
        "ການຝຶກອົບຮົມກ່ຽວກັບການຮັບມືເຫດການສຳລັບທີມຮັບມືເຫດສຸກເສີນທາງຄອມພິວເຕີ",
        "ကွန်ပျူတာအရေးပေါ်တုံ့ပြန်ရေးအဖွဲ့များအတွက် ဖြစ်စဉ်တုံ့ပြန်ရေး သင်တန်း",
    ],
)
def test_malay_filipino_khmer_lao_and_burmese_meet_the_same_concepts(text: str) -> None:
    assert {"training", "incident_response", "cert"} <= set(concepts(text))


def test_security_alone_is_boilerplate_in_every_language() -> None:
    for word in ("security", "keamanan", "keselamatan", "seguridad", "សន្តិសុខ", "ຄວາມປອດໄພ"):
        assert concepts(f"{word} supply chain") == ["supply_chain"], word


def test_a_space_inside_an_unspaced_script_does_not_split_a_phrase() -> None:
    # "small and medium enterprises" in Khmer and Lao, written with a space between phrases
    assert concepts("សហគ្រាសធុនតូច និងមធ្យម") == ["smes"]
    assert concepts("ວິສາຫະກິດຂະໜາດນ້ອຍ ແລະ ກາງ") == ["smes"]
    # but a space between two Latin words and a Thai one still separates them
    assert concepts("SME การฝึกอบรม") == ["smes", "training"]


def test_english_is_told_from_the_member_states_languages() -> None:
    assert is_english("Incident response course", "A course for the national CERTs of Laos.")
    assert not is_english("Pelatihan penanganan insiden", "Program bagi tim tanggap insiden.")
    assert not is_english("Pagsasanay sa pagtugon", "Programa para sa mga analista at kawani.")
    assert not is_english("การฝึกอบรม", "โครงการเสริมสร้างขีดความสามารถ for CERTs")


def test_an_unlisted_inflection_reaches_the_concept_of_the_word_listed() -> None:
    # The glossary lists "seize", "regulator" and "audit"; English words are stemmed, so
    # "seized", "seizing", "regulators'" and "audited" reach the same concepts.
    assert concepts("seized devices, seizing laptops") == concepts("seize devices, seize laptops")
    assert "seizure" in concepts("Phones seized by investigators")
    assert "audit" in concepts("Systems audited yearly")
    # A term two concepts claim is left as the stemmer made it.
    two = Glossary.parse("alpha\tlatch\nbeta\tlatched\n")
    assert two.concepts("latches") == ["latch"]
    one = Glossary.parse("alpha\tlatch\n")
    assert one.concepts("latches") == ["alpha"]


@pytest.mark.parametrize(
    ("concept", "texts"),
    [
        (
            "penetration_testing",
            [
                "penetration testing",
                "uji penetrasi",
                "ujian penembusan",
                "kiểm thử xâm nhập",
                "pagsubok sa pagpasok",
                "การทดสอบเจาะระบบ",
            ],
        ),
        (
            "ddos",
            [
                "DDoS",
                "distributed denial of service",
                "serangan penolakan layanan",
                "tấn công từ chối dịch vụ",
                "pagtanggi sa serbisyo",
                "การโจมตีแบบปฏิเสธการให้บริการ",
            ],
        ),
        (
            "money_laundering",
            ["AML", "money laundering", "pencucian uang", "rửa tiền", "การฟอกเงิน"],
        ),
        ("iot", ["IoT", "internet of things", "internet vạn vật", "อินเทอร์เน็ตของสรรพสิ่ง"]),
        ("isac", ["ISAC", "information sharing and analysis centre"]),
    ],
)
def test_the_fields_generic_vocabulary_meets_across_languages(
    concept: str, texts: list[str]
) -> None:
    for text in texts:
        assert concepts(text) == [concept], text


def test_former_body_names_meet_and_bodies_stay_apart() -> None:
    assert concepts("TELSOM") == concepts("ADGSOM") == concepts("ASEAN Digital Ministers' Meeting")
    assert concepts("ASEANAPOL") == concepts("ASEAN Chiefs of Police")
    assert len({*concepts("ASEANAPOL"), *concepts("AMMTC"), *concepts("SOMTC")}) == 3


def test_every_body_name_the_registry_accepts_is_a_concept_of_that_body_alone() -> None:
    """The names import accepts for a body (registry_names.json) all reach a body concept,
    and no body concept is reached from two bodies' names (grouping bodies made unrelated
    work under neighbouring bodies look alike)."""
    names = json.loads(
        (files("aseancyber.initiatives") / "data" / "registry_names.json").read_text()
    )["sectoral_bodies"]
    # Also words of their own: a summit is a conference; "som" is Vietnamese "sớm" (early)
    # once its tone mark is removed.
    generic = {"SUMMIT", "SOM"}
    owners: dict[str, str] = {}
    for code, aliases in names.items():
        for alias in aliases:
            found = {c for c in concepts(alias) if c.startswith("body_")}
            assert found or alias in generic, (code, alias)
            for concept in found:
                assert owners.setdefault(concept, code) == code, (code, alias, concept)
