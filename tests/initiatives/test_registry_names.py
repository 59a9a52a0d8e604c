"""Registry wording for states, bodies and beneficiaries outside ASEAN, resolved from the
real reference directory; near misses are suggested, never accepted."""

from datetime import date

import pytest
from sqlalchemy.orm import Session

from aseancyber.initiatives import registry_names
from aseancyber.initiatives.registry_names import RegistryNames, name_key
from aseancyber.reference import load_reference

ALL_TEN = ["BN", "ID", "MY", "PH", "SG", "TH", "KH", "LA", "MM", "VN"]
ELEVEN = [*ALL_TEN, "TL"]


@pytest.fixture
def names(db: Session) -> RegistryNames:
    load_reference(db)
    return registry_names.load(db)


@pytest.mark.parametrize(
    ("written", "iso2"),
    [
        ("Lao People's Democratic Republic", "LA"),
        ("Lao PDR", "LA"),
        ("Laos", "LA"),
        ("  LAO ", "LA"),
        ("lao peoples democratic republic", "LA"),
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
        ("VNM", "VN"),
        ("Burma", "MM"),
        ("Myanmar", "MM"),
        ("Brunei", "BN"),
        ("Brunei Darussalam", "BN"),
        ("Timor-Leste", "TL"),
        ("Timor Leste", "TL"),
        ("East Timor", "TL"),
        ("TLS", "TL"),
        ("Republic of the Philippines", "PH"),
        ("PHILIPPINES", "PH"),
        ("Kingdom of Thailand", "TH"),
        ("sg", "SG"),
    ],
)
def test_member_state_names_codes_and_aliases(
    names: RegistryNames, written: str, iso2: str
) -> None:
    found = names.beneficiaries([written], on=date(2026, 1, 1))
    assert (found.states, found.outside, found.problems) == ([iso2], [], [])


@pytest.mark.parametrize("written", ["All ASEAN Member States", "ASEAN", "AMS", "all ams"])
@pytest.mark.parametrize(
    ("on", "members"),
    [(date(2024, 6, 1), ALL_TEN), (date(2025, 10, 26), ELEVEN), (date(2026, 3, 1), ELEVEN)],
)
def test_all_member_states_means_the_members_on_the_start_date(
    names: RegistryNames, written: str, on: date, members: list[str]
) -> None:
    found = names.beneficiaries([written], on=on)
    assert sorted(found.states) == sorted(members)
    assert found.problems == []


def test_cambodia_joined_in_1999_so_a_1998_initiative_for_asean_leaves_it_out(
    names: RegistryNames,
) -> None:
    assert "KH" not in names.beneficiaries(["ASEAN"], on=date(1998, 1, 1)).states
    assert "KH" in names.beneficiaries(["ASEAN"], on=date(1999, 5, 1)).states


@pytest.mark.parametrize(
    ("written", "kept_as"),
    [
        ("Japan", "Japan"),
        ("JPN", "Japan"),
        ("Korea", "Republic of Korea"),
        ("South Korea", "Republic of Korea"),
        ("KOR", "Republic of Korea"),
        ("EU", "European Union"),
        ("USA", "United States"),
        ("Pacific Islands", "Pacific Islands"),
        ("Pacific Island Countries", "Pacific Islands"),
        ("Fiji", "Fiji"),
        ("Bangladesh", "Bangladesh"),
        ("Côte d'Ivoire", "Côte d'Ivoire"),
        ("cote divoire", "Côte d'Ivoire"),
    ],
)
def test_beneficiaries_outside_asean_are_kept_apart(
    names: RegistryNames, written: str, kept_as: str
) -> None:
    found = names.beneficiaries([written], on=None)
    assert (found.states, found.outside, found.problems) == ([], [kept_as], [])


@pytest.mark.parametrize(
    ("written", "suggestion"),
    [
        ("Laoss", "Laos"),
        ("Veit Nam", "Viet Nam"),
        ("Phillipines", "Philippines"),
        ("Singapor", "Singapore"),
        ("Japn", "Japan"),
    ],
)
def test_a_near_miss_is_refused_with_a_suggestion(
    names: RegistryNames, written: str, suggestion: str
) -> None:
    found = names.beneficiaries([written], on=None)
    assert found.states == []
    assert found.outside == []
    [(value, message)] = found.problems
    assert value == written
    assert message.endswith(f"did you mean {suggestion!r}?"), message


def test_nonsense_is_refused_without_a_suggestion(names: RegistryNames) -> None:
    [(_, message)] = names.beneficiaries(["Atlantis Federation"], on=None).problems
    assert message == "is not a member state, nor a country or region outside ASEAN"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("TELMIN", "ADGMIN"),
        ("TELSOM", "ADGMIN"),
        ("ADGSOM", "ADGMIN"),
        ("ASEAN Telecommunications and IT Ministers Meeting", "ADGMIN"),
        ("asean digital ministers meeting", "ADGMIN"),
        ("AMMTC", "SOMTC-WG-CC"),
        ("SOMTC", "SOMTC-WG-CC"),
        ("ASEANAPOL", "SOMTC-WG-CC"),
        ("ADMM", "ADMM-EWG-CS"),
        ("ADMM-Plus", "ADMM-EWG-CS"),
        ("ARF", "ARF-ISM-ICTS"),
        ("ASEAN Regional Forum", "ARF-ISM-ICTS"),
        ("AMCC", "AMCC"),
        ("Cyber-CC", "CYBER-CC"),
        ("cyber cc", "CYBER-CC"),
        ("ASEAN Cybersecurity Coordinating Committee", "CYBER-CC"),
        ("SOMRI", "AMRI"),
        ("ASEAN Foreign Ministers' Meeting", "AMM"),
    ],
)
def test_sectoral_body_current_and_former_names(
    names: RegistryNames, written: str, code: str
) -> None:
    assert names.body(written) == (code, "")


def test_an_unknown_body_is_refused_with_a_suggestion(names: RegistryNames) -> None:
    code, message = names.body("TELMINN")
    assert code is None
    assert message == "is not a known sectoral body; did you mean 'TELMIN'?"


def test_a_known_body_missing_from_this_node_says_so(db: Session) -> None:
    names = registry_names.load(db)  # an empty directory: no bodies at all
    code, message = names.body("TELMIN")
    assert code is None
    assert "ADGMIN, which this node's directory does not have" in message


def test_a_member_state_missing_from_this_node_is_never_read_as_outside_asean(
    db: Session,
) -> None:
    names = registry_names.load(db)  # no member states loaded
    found = names.beneficiaries(["Timor-Leste", "Laos"], on=None)
    assert found.outside == []
    assert found.states == []
    assert [message for _, message in found.problems] == [
        "is not a member state on this node",
        "is not a member state on this node",
    ]


def test_matching_ignores_case_accents_spaces_and_punctuation() -> None:
    assert name_key("  Lao  People\u2019s Democratic-Republic ") == name_key(
        "lao peoples democratic republic"
    )
    assert name_key("Côte d'Ivoire") == "cote divoire"


def test_the_data_file_names_each_alias_once() -> None:
    registry_names.registry_data.cache_clear()
    data = registry_names.registry_data()  # raises if an alias names two things
    assert "TELMIN" in data["sectoral_bodies"]["ADGMIN"]
    assert data["about"]
