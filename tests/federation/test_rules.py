"""The small rules: labels only get stricter on the way out, credentials need the key."""

import orjson
import pytest

from aseancyber.access.policy import Tlp
from aseancyber.errors import Invalid
from aseancyber.federation import secrets
from aseancyber.federation.push import outgoing_body, withheld_rule
from aseancyber.settings import Settings
from aseancyber.sharing import stix
from tests.federation.conftest import indicator


def _label(body: str) -> Tlp | None:
    return stix.label_of(orjson.loads(body))


def test_the_stored_label_wins_when_it_is_stricter() -> None:
    green = stix.dumps(indicator(1, label=Tlp.GREEN))
    assert _label(outgoing_body(green, Tlp.AMBER)) is Tlp.AMBER
    unlabelled = stix.dumps(indicator(2, label=None))
    assert _label(outgoing_body(unlabelled, Tlp.RED)) is Tlp.RED


def test_a_label_is_never_lowered_on_the_way_out() -> None:
    red = stix.dumps(indicator(3, label=Tlp.RED))
    assert _label(outgoing_body(red, Tlp.GREEN)) is Tlp.RED
    same = stix.dumps(indicator(4, label=Tlp.AMBER))
    assert outgoing_body(same, Tlp.AMBER) == same  # untouched: sent as stored


def test_withheld_rules_name_the_label_and_the_organisation() -> None:
    assert withheld_rule(Tlp.RED, "MyCERT") == "TLP:RED: MyCERT is not a named recipient"
    assert withheld_rule(Tlp.AMBER, "MyCERT") == "TLP:AMBER: MyCERT is not in the audience"
    assert withheld_rule(Tlp.GREEN, "Vendor").startswith("TLP:GREEN: Vendor is outside")


def test_credentials_need_the_same_key(settings: Settings) -> None:
    stored = secrets.encrypt("token-123", settings)
    assert "token-123" not in stored
    assert secrets.decrypt(stored, settings) == "token-123"
    rotated = settings.model_copy(update={"secret_key": "another-secret-key-0123456789"})
    with pytest.raises(Invalid, match="enter them again"):
        secrets.decrypt(stored, rotated)
    explicit = settings.model_copy(update={"federation_key": "not-a-fernet-key"})
    with pytest.raises(Invalid, match="federation_key"):
        secrets.encrypt("x", explicit)
