"""The case page as a person uses it: one page holds many forms, so every element id is
unique and every control has a label; a refused form comes back filled in, open, with the
message next to its field and a summary at the top that links to it."""

import re

import pytest
from sqlalchemy.orm import Session

from tests.cases.conftest import Scenario
from tests.readers import Browser, BrowserFor
from tests.web.markup import read_markup

LONG_CVSS = (
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A/CR:H/IR:H/AR:H"
    "/MAV:N/MAC:L/MAT:N/MPR:N/MUI:N/MVC:H/MVI:H/MVA:H/MSC:H/MSI:S/MSA:S/S:P/AU:Y/R:U/V:C/RE:H/U:Red"
)


def _post(browser: Browser, case_id: str, name: str, **fields: str) -> str:
    answer = browser.client.post(
        f"/cases/{case_id}/actions/{name}", data={"csrf_token": browser.csrf, **fields}
    )
    assert answer.status_code == 200, re.findall(
        r"error-summary.*?</div>|Refused:[^<]*", answer.text, re.S
    )
    return answer.text


def _fill_case(browser: Browser, case_id: str) -> None:
    """Two vulnerabilities, two products, an advisory and a proposed embargo: every form
    the page can show, several of them repeated."""
    for n in (1, 2):
        _post(browser, case_id, "product", vendor_name="Acme", product_name=f"Gateway {n}")
        _post(
            browser,
            case_id,
            "vulnerability",
            title=f"Overflow {n}",
            cve=f"CVE-2026-1000{n}",
            cvss_vector=LONG_CVSS if n == 1 else "",
        )
    _post(
        browser,
        case_id,
        "advisory",
        category="csaf_security_advisory",
        summary="Patch now",
        publish_tlp="TLP:CLEAR",
    )
    _post(browser, case_id, "embargo", action="propose", ends_at="2030-01-15T09:00")


@pytest.mark.parametrize("reader", ["coordinator", "vendor"])
def test_case_page_ids_are_unique_and_every_control_is_labelled(
    db: Session, scenario: Scenario, browser_for: BrowserFor, reader: str
) -> None:
    case_id = scenario.case.id
    _fill_case(browser_for(scenario.sg), case_id)
    user = scenario.sg if reader == "coordinator" else scenario.vendor_users[0]
    page = browser_for(user).client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    markup = read_markup(page.text)
    assert markup.duplicate_ids() == []
    assert markup.unlabelled() == []
    assert len(markup.controls) > (30 if reader == "coordinator" else 5)  # the forms are there
    assert LONG_CVSS in page.text
    assert re.search(r"<title>[^<]*</title>", page.text)  # the tab title is text only


def test_a_refused_case_form_comes_back_filled_in_with_messages_by_its_fields(
    db: Session, scenario: Scenario, browser_for: BrowserFor
) -> None:
    coordinator = browser_for(scenario.sg)
    answer = coordinator.client.post(
        f"/cases/{scenario.case.id}/actions/vulnerability",
        data={
            "csrf_token": coordinator.csrf,
            "title": "Heap overflow in the parser",
            "cve": "CVE-26-1",
            "cwe": "CWE-787",
            "epss_score": "7",
        },
    )
    assert answer.status_code == 422
    html = answer.text
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary is not None
    assert '<a href="#vulnerability-cve">CVE id is not in the expected format.</a>' in summary[0]
    assert '<a href="#vulnerability-epss_score">Enter a number of at most 1' in summary[0]
    # The message sits with its field, which is marked invalid and described by it.
    cve = re.search(
        r'<div class="field has-error">.*?</div>', html[html.index("Add a vuln") :], re.S
    )
    assert cve is not None
    assert 'id="vulnerability-cve-error"' in cve[0]
    assert "CVE id is not in the expected format." in cve[0]
    field = re.search(r'<input id="vulnerability-cve"[^>]*>', html)
    assert field is not None
    assert 'value="CVE-26-1"' in field[0]
    assert 'aria-invalid="true"' in field[0]
    assert "vulnerability-cve-error" in field[0]
    # What was typed is kept, the form is open, and the other forms are untouched.
    assert 'value="Heap overflow in the parser"' in html
    assert 'value="CWE-787"' in html
    assert '<details class="card" open><summary>Add a vulnerability</summary>' in html
    assert '<details class="card"><summary>Draft an advisory</summary>' in html
    assert 'id="advisory-title" name="title" type="text" value=""' in html
    assert read_markup(html).duplicate_ids() == []
    # Nothing was written, and no raw validator language leaks.
    assert "Overflow" not in coordinator.client.get(f"/cases/{scenario.case.id}").text
    for raw in ("string_pattern_mismatch", "String should", "Input should", "Value error"):
        assert raw not in html


def test_a_refused_edit_keeps_the_chosen_sectors_and_names_the_choices(
    db: Session, scenario: Scenario, browser_for: BrowserFor
) -> None:
    coordinator = browser_for(scenario.sg)
    answer = coordinator.client.post(
        f"/cases/{scenario.case.id}/actions/edit",
        data={
            "csrf_token": coordinator.csrf,
            "version": str(scenario.case.version),
            "title": "Renamed case",
            "tlp": "TLP:PURPLE",
            "sectors": ["health", "finance"],
        },
    )
    assert answer.status_code == 422
    html = answer.text
    assert "Choose one of: TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED." in html
    assert '<a href="#edit-tlp">' in html
    sectors = re.search(r'<select id="edit-sectors".*?</select>', html, re.S)
    assert sectors is not None
    assert '<option value="health" selected>' in sectors[0]
    assert '<option value="finance" selected>' in sectors[0]
    assert '<option value="energy" selected>' not in sectors[0]  # the typed choice, not the saved
    assert 'id="edit-title" name="title" type="text" value="Renamed case"' in html
