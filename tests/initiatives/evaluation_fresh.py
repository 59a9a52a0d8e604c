"""The ``held_out_2`` part of the evaluation set: a fresh, blind held-out part, written after
``held_out`` had informed a ship decision and by someone who had not read the detector.

Its own thirty-two topics (:mod:`evaluation_fresh_operations`, :mod:`evaluation_fresh_policy`),
its own cross-language wording in Bahasa Indonesia, Malay, Filipino, Vietnamese and Thai
(:mod:`evaluation_fresh_languages`, :mod:`evaluation_fresh_subjects`), and its own generator
(:class:`FreshBuilder`, seed 9090), so that the other parts stay byte for byte as they were.

Registry wording the other parts do not use: senior officials' bodies named for their
ministers' meeting (ADGSOM for ADGMIN, SOMTC in full, SOMRI for AMRI), state aliases ("Lao
PDR", "Laos", "the Lao People's Democratic Republic"), national CERTs by their own names
(MyCERT, ThaiCERT, VNCERT/CC...), and abbreviations swapped in both directions.

The kinds are those of :mod:`make_evaluation_set`: duplicates ``paraphrase``, ``two_bodies``,
``renamed``, ``abbreviated``, ``cross_language``; hard negatives ``another_audience``,
``another_region``, ``another_time``, ``next_edition``, ``sibling``.
"""

import random
import re

from tests.initiatives.evaluation_fresh_languages import (
    AND,
    AUDIENCES,
    BODY_NAMES,
    CITY_NAMES,
    FRAMES,
    LANGUAGES,
    STATE_NAMES,
)
from tests.initiatives.evaluation_fresh_operations import OPERATIONS
from tests.initiatives.evaluation_fresh_policy import POLICY
from tests.initiatives.evaluation_fresh_subjects import SUBJECTS
from tests.initiatives.evaluation_topics import Topic, Wording

PART = "held_out_2"
SEED = 9090
BASES = 330
DUPLICATE_KINDS = ("paraphrase", "two_bodies", "renamed", "abbreviated", "cross_language")
NEGATIVE_KINDS = ("another_audience", "another_region", "another_time", "next_edition", "sibling")
TOPICS: tuple[Topic, ...] = OPERATIONS + POLICY

# state code -> the names registries write for it in English.
STATES: dict[str, tuple[str, ...]] = {
    "BN": ("Brunei Darussalam", "Brunei"),
    "KH": ("Cambodia", "the Kingdom of Cambodia"),
    "ID": ("Indonesia",),
    "LA": ("Lao PDR", "Laos", "the Lao People's Democratic Republic"),
    "MY": ("Malaysia",),
    "MM": ("Myanmar",),
    "PH": ("the Philippines",),
    "SG": ("Singapore",),
    "TH": ("Thailand",),
    "VN": ("Viet Nam", "Vietnam"),
    "TL": ("Timor-Leste",),
}
EVERY_STATE = ("all ASEAN Member States", "the eleven ASEAN Member States")
NATIONAL_CERTS = {
    "BN": "BruCERT",
    "KH": "CamCERT",
    "ID": "ID-SIRTII/CC",
    "LA": "LaoCERT",
    "MY": "MyCERT",
    "MM": "mmCERT",
    "PH": "CERT-PH",
    "SG": "SingCERT",
    "TH": "ThaiCERT",
    "VN": "VNCERT/CC",
    "TL": "the national CSIRT of Timor-Leste",
}
CERT_PHRASES = (
    "the national CERTs of {states}",
    "the CERTs of {states}",
    "the CERTs in {states}",
    "CERTs from {states}",
)
CITIES = (
    "Bangkok",
    "Singapore",
    "Jakarta",
    "Kuala Lumpur",
    "Manila",
    "Hanoi",
    "Phnom Penh",
    "Vientiane",
    "Bandar Seri Begawan",
    "Yangon",
    "Dili",
    "Da Nang",
    "Cebu",
)
# body code -> (names written in full, names written short)
BODIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ADGMIN": (
        ("ASEAN Digital Ministers' Meeting", "ASEAN Digital Senior Officials' Meeting"),
        ("ADGMIN", "ADGSOM"),
    ),
    "SOMTC-WG-CC": (
        ("Senior Officials Meeting on Transnational Crime", "SOMTC Working Group on Cybercrime"),
        ("SOMTC", "SOMTC WG on Cybercrime"),
    ),
    "ARF-ISM-ICTS": (
        ("ASEAN Regional Forum Inter-Sessional Meeting on ICTs Security",),
        ("ARF ISM on ICTs Security", "ARF ISM-ICTs"),
    ),
    "ADMM-EWG-CS": (
        ("ADMM-Plus Experts' Working Group on Cyber Security",),
        ("ADMM-Plus EWG on Cyber Security", "ADMM-Plus EWG-CS"),
    ),
    "AMM": (
        ("ASEAN Foreign Ministers' Meeting", "ASEAN Senior Officials' Meeting"),
        ("AMM", "ASEAN SOM"),
    ),
    "CYBER-CC": (("ASEAN Cybersecurity Coordinating Committee",), ("Cyber-CC", "ASEAN Cyber-CC")),
    "AMRI": (
        (
            "ASEAN Ministers Responsible for Information",
            "Senior Officials Meeting Responsible for Information",
        ),
        ("AMRI", "SOMRI"),
    ),
}
BODY_SENTENCES = (
    " Reported to the {name}.",
    " Part of the {name} work plan.",
    " Tasked by the {name}.",
    " Noted by the {name} at its last meeting.",
)
# full -> short; ``abbreviated`` duplicates swap them in both directions.
ABBREVIATIONS = (
    ("computer security incident response teams", "CSIRTs"),
    ("critical information infrastructure", "CII"),
    ("Internet of Things", "IoT"),
    ("artificial intelligence", "AI"),
    ("open-source intelligence", "OSINT"),
    ("open sources", "OSINT sources"),
    ("business email compromise", "BEC"),
    ("domain name system", "DNS"),
    ("Resource Public Key Infrastructure", "RPKI"),
    ("public key infrastructure", "PKI"),
    ("post-quantum cryptography", "PQC"),
    ("personal data", "PII"),
    ("ASEAN Member States", "AMS"),
    ("International Maritime Organization", "IMO"),
    ("Open-ended Working Group", "OEWG"),
    ("electronic identification", "eID"),
    ("child sexual abuse material", "CSAM"),
    ("operational technology", "OT"),
    ("information and communications technologies", "ICTs"),
    ("Forum of Incident Response and Security Teams", "FIRST"),
    ("information and communications technology", "ICT"),
    ("United Nations", "UN"),
    ("Internet service providers", "ISPs"),
    ("National Institute of Standards and Technology", "NIST"),
    ("Domain Name System Security Extensions", "DNSSEC"),
    ("Border Gateway Protocol", "BGP"),
    ("electronic medical records", "EMRs"),
    ("Open Web Application Security Project", "OWASP"),
)
# audience -> how an English registry entry names it (for ``another_audience``).
AUDIENCE_PHRASES = {
    "technical": "incident responders and SOC engineers",
    "law_enforcement": "police cybercrime investigators",
    "judicial": "judges and public prosecutors",
    "diplomatic": "foreign-ministry desk officers",
    "policy": "ministry policy officers and regulators",
    "ci_operator": "operators of essential services",
}
PROGRAMMES = (
    "ACCP",
    "ASCCE",
    "AJCCBC",
    "ASEAN-Australia",
    "ASEAN-EU",
    "ASEAN-US",
    "ASEAN-Korea",
    "ASEAN-UK",
    "ASEAN-Canada",
)
FUNDERS = (
    "Singapore",
    "Japan",
    "Australia",
    "European Union",
    "United States",
    "Republic of Korea",
    "United Kingdom",
    "Canada",
)
IMPLEMENTERS = (
    "ASCCE",
    "AJCCBC",
    "ASEAN Secretariat",
    "UNODC",
    "INTERPOL",
    "UNIDIR",
    "FIRST",
    "APNIC",
)


def swap_abbreviations(text: str) -> str:
    """The text with each full name and its abbreviation exchanged, both ways at once."""
    swaps = dict(ABBREVIATIONS)
    swaps |= {short: full for full, short in ABBREVIATIONS}
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(k) for k in sorted(swaps, key=len, reverse=True)) + ")"
        r"(?![\w-])"
    )
    return pattern.sub(lambda match: swaps[match.group(1)], text)


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _iso(month: int, last: bool) -> str:
    year, index = divmod(month, 12)
    return f"{year:04d}-{index + 1:02d}-{28 if last else 1:02d}"


def _joined(names: list[str], conjunction: str) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


Base = tuple[str, list[str], int, int, int, str]  # id, states, first month, last, wording, body


class FreshBuilder:
    """Builds the ``held_out_2`` part: bases, labelled duplicates and hard negatives."""

    def __init__(self, seed: int = SEED) -> None:
        self.random = random.Random(seed)
        self.items: list[dict[str, object]] = []
        self.by_id: dict[str, dict[str, object]] = {}
        self.duplicates: list[dict[str, str]] = []
        self.hard_negatives: list[dict[str, str]] = []
        self.occupied: dict[str, list[tuple[set[str], int, int, str]]] = {}

    def _clash(self, topic: str, states: set[str], start: int, end: int, ignore: str) -> bool:
        return any(
            cluster != ignore and states & other and start <= other_end and other_start <= end
            for other, other_start, other_end, cluster in self.occupied.get(topic, [])
        )

    def _english_states(self, codes: list[str]) -> str:
        if len(codes) == len(STATES):
            return self.random.choice(EVERY_STATE)
        return _joined([self.random.choice(STATES[code]) for code in codes], "and")

    def _certs(self, codes: list[str]) -> str:
        if len(codes) == len(STATES):
            return "the national CERTs of all ASEAN Member States"
        return _joined([NATIONAL_CERTS[code] for code in codes], "and")

    def _body_sentence(self, body: str, *, short: bool, always: bool) -> str:
        if not always and self.random.random() >= 0.6:
            return ""
        full, abbreviated = BODIES[body]
        name = self.random.choice(abbreviated if short else full)
        return self.random.choice(BODY_SENTENCES).format(name=name)

    def _english(
        self,
        wording: Wording,
        states: list[str],
        body: str,
        *,
        title: str = "",
        short: bool = False,
        swap: bool = False,
    ) -> tuple[str, str, str]:
        summary, activities = wording.summary, wording.activities
        if short:  # short names: the national CERTs by their own names
            for phrase in CERT_PHRASES:
                summary = summary.replace(phrase, "{certs}")
        values = {
            "states": self._english_states(states),
            "city": self.random.choice(CITIES),
            "certs": self._certs(states),
        }
        texts = [title or wording.title, summary.format(**values), activities.format(**values)]
        if swap:
            texts = [swap_abbreviations(text) for text in texts]
        sentence = self._body_sentence(body, short=short, always=swap)
        return texts[0], texts[1] + sentence, texts[2]

    def _foreign(
        self, topic: Topic, states: list[str], audience: str, body: str
    ) -> tuple[str, str, str]:
        language = self.random.choice(LANGUAGES)
        title, summary, activities = self.random.choice(FRAMES[language])
        if len(states) == len(STATES):
            names = STATE_NAMES["all"][language]
        else:
            names = _joined([STATE_NAMES[code][language] for code in states], AND[language])
            if language == "th":  # Thai lists take spaces, not commas, and "และ" joins on
                names = names.replace(", ", " ").replace(" และ ", " และ")
        city = self.random.choice(CITIES)
        subject = SUBJECTS[topic.key][language]
        who = AUDIENCES[audience][language]
        values = {
            "subject": subject,
            "Subject": capitalised(subject),
            "audience": who,
            "Audience": capitalised(who),
            "states": names,
            "city": CITY_NAMES[city].get(language, city),
            "body": BODY_NAMES[body][language],
        }
        return title.format(**values), summary.format(**values), activities.format(**values)

    def _add(
        self,
        topic: Topic,
        text: tuple[str, str, str],
        states: list[str],
        period: tuple[int, int],
        body: str,
        *,
        audience: list[str] | None = None,
        cluster: str = "",
    ) -> str:
        item_id = f"{PART}-{len(self.items) + 1:04d}"
        title, summary, activities = text
        item: dict[str, object] = {
            "id": item_id,
            "part": PART,
            "topic": topic.key,
            "title": title,
            "summary": summary,
            "activities": activities,
            "states": sorted(states),
            "themes": list(topic.themes),
            "audience": sorted(audience if audience is not None else topic.audience),
            "start_on": _iso(period[0], False),
            "end_on": _iso(period[1], True),
            "sectoral_body": body,
            "programme": self.random.choice(PROGRAMMES),
            "funders": [self.random.choice(FUNDERS)],
            "implementers": [self.random.choice(IMPLEMENTERS)],
        }
        self.items.append(item)
        self.by_id[item_id] = item
        self.occupied.setdefault(topic.key, []).append(
            (set(states), period[0], period[1], cluster or item_id)
        )
        return item_id

    def _states(self) -> list[str]:
        if self.random.random() < 0.1:
            return sorted(STATES)
        return sorted(self.random.sample(sorted(STATES), self.random.choice([1, 1, 2, 2, 3, 4])))

    def base(self, topic: Topic) -> Base | None:
        """A base initiative of ``topic`` that clashes with no other of that topic."""
        for _ in range(60):
            states = self._states()
            start = self.random.randrange(2019 * 12, 2026 * 12)
            end = start + self.random.choice([0, 1, 2, 5, 8, 11])
            if not self._clash(topic.key, set(states), start, end, ""):
                index = self.random.randrange(3)
                body = self.random.choice(topic.bodies)
                text = self._english(topic.wordings[index], states, body)
                item_id = self._add(topic, text, states, (start, end), body)
                return item_id, states, start, end, index, body
        return None

    def duplicate(self, topic: Topic, base: Base, kind: str) -> None:
        """The same work registered again, written as ``kind`` says."""
        item_id, states, start, end, index, body = base
        shift = max(-(end - start), min(end - start, self.random.choice([-1, 0, 0, 1])))
        other = topic.wordings[(index + self.random.choice([1, 2])) % 3]
        dup_states = states[:-1] if len(states) > 1 and self.random.random() < 0.3 else states
        if self._clash(topic.key, set(dup_states), start + shift, end + shift, item_id):
            shift = 0
        dup_body = body
        if kind == "two_bodies":
            dup_body = self.random.choice([b for b in BODIES if b != body])
        if kind == "renamed":
            text = self._english(topic.wordings[index], dup_states, body, title=topic.renamed)
        elif kind == "abbreviated":
            text = self._english(other, dup_states, body, short=True, swap=True)
        elif kind == "cross_language":
            audience = self.random.choice(topic.audience)
            text = self._foreign(topic, dup_states, audience, body)
        else:
            text = self._english(other, dup_states, dup_body, short=kind == "two_bodies")
        period = (start + shift, end + shift)
        duplicate_id = self._add(topic, text, dup_states, period, dup_body, cluster=item_id)
        self.duplicates.append({"first": item_id, "second": duplicate_id, "kind": kind})

    def hard_negative(self, topic: Topic, base: Base, kind: str) -> None:
        """Other work that looks like the base, as ``kind`` says (skipped when none fits)."""
        item_id, states, start, end, index, body = base
        wording = topic.wordings[self.random.choice([index, index, (index + 1) % 3])]
        audience: list[str] | None = None
        other_states, period = states, (start, end)
        if kind == "another_audience":
            audience = [
                self.random.choice([a for a in AUDIENCE_PHRASES if a not in topic.audience])
            ]
            phrase = AUDIENCE_PHRASES[audience[0]]
            title, summary, activities = self._english(wording, states, body)
            text = (
                f"{title}: edition for {phrase}",
                f"Open to {phrase} only. {summary}",
                activities,
            )
        elif kind == "sibling":
            siblings = [
                t for t in TOPICS if t.key != topic.key and set(t.themes) & set(topic.themes)
            ]
            topic = self.random.choice(siblings)
            if self._clash(topic.key, set(states), start, end, ""):
                return
            text = self._english(self.random.choice(topic.wordings), states, body)
            audience = list(self.by_id[item_id]["audience"])  # type: ignore[call-overload]
        elif kind == "another_region":
            pool = sorted(set(STATES) - set(states))
            if not pool:
                return
            other_states = sorted(self.random.sample(pool, min(len(pool), len(states), 3)))
            period = (start + self.random.choice([-1, 0, 1]), end)
            text = self._english(wording, other_states, body)
        else:
            gap = 12 if kind == "another_time" else max(end - start, 1)
            period = (end + 1 + gap, end + 1 + gap + (end - start))
            if kind == "next_edition":  # a year on; a year-long base touches it by a month
                first = max(end, start + 11)
                period = (first, first + (end - start))
            text = self._english(wording, states, body)
        ignore = item_id if kind == "next_edition" else ""
        if kind != "another_audience" and self._clash(
            topic.key, set(other_states), period[0], period[1], ignore
        ):
            return
        negative_id = self._add(
            topic, text, other_states, period, body, audience=audience, cluster=item_id
        )
        self.hard_negatives.append({"first": item_id, "second": negative_id, "kind": kind})

    def build(self) -> None:
        """Bases for the topics in turn; two in five get a duplicate, the rest a negative."""
        made: list[tuple[Topic, Base]] = []
        attempts = 0
        while len(made) < BASES and attempts < BASES * 3:
            attempts += 1
            topic = TOPICS[attempts % len(TOPICS)]
            base = self.base(topic)
            if base is not None:
                made.append((topic, base))
        duplicates = negatives = 0
        for number, (topic, base) in enumerate(made):
            if number % 5 in (0, 2):
                self.duplicate(topic, base, DUPLICATE_KINDS[duplicates % 5])
                duplicates += 1
            else:
                self.hard_negative(topic, base, NEGATIVE_KINDS[negatives % 5])
                negatives += 1
