"""An aggregator-style CSAF 2.0 client for the provider tests: provider-metadata.json ->
``pgp_keys`` -> ROLIE feeds -> each document with its hash and signature files.

It speaks httpx through the test client, checks hashes with the ``csaf`` package's hash
check, signatures with GnuPG through the ``csaf`` package's signature check (another OpenPGP
implementation than the one that signed), documents with the ``csaf`` validator, and the
shapes with the constraints CSAF 2.0's provider and ROLIE feed JSON schemas set.
"""

import csv
import io
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
from csaf._hash import check as csaf_hash_check  # type: ignore[import-untyped]
from csaf._sign import verify as csaf_signature_check  # type: ignore[import-untyped]
from fastapi.testclient import TestClient

from aseancyber.cases.advisories import validation
from aseancyber.cases.provider import signing

BASE = "https://cyber.asean.example"
GPG = shutil.which("gpg")

# The constraints CSAF 2.0's provider and ROLIE feed JSON schemas put on what we serve.
HTTPS_JSON = {"type": "string", "pattern": r"^https://.+\.json$"}
LINKS = {
    "type": "array",
    "minItems": 1,
    "prefixItems": [{"properties": {"rel": {"const": "self"}, "href": HTTPS_JSON}}],
    "items": {"type": "object", "required": ["rel", "href"]},
}
PROVIDER_20 = {
    "type": "object",
    "required": [
        "canonical_url",
        "last_updated",
        "list_on_CSAF_aggregators",
        "mirror_on_CSAF_aggregators",
        "metadata_version",
        "publisher",
        "role",
    ],
    "properties": {
        "canonical_url": {"type": "string", "pattern": r"/provider-metadata\.json$"},
        "metadata_version": {"const": "2.0"},
        "role": {"enum": ["csaf_publisher", "csaf_provider", "csaf_trusted_provider"]},
        "last_updated": {"type": "string", "format": "date-time"},
        "publisher": {"type": "object", "required": ["category", "name", "namespace"]},
        "distributions": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "minProperties": 1,
                "properties": {
                    "rolie": {
                        "type": "object",
                        "required": ["feeds"],
                        "properties": {
                            "categories": {"type": "array", "items": HTTPS_JSON},
                            "services": {"type": "array", "items": HTTPS_JSON},
                            "feeds": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "object",
                                    "required": ["tlp_label", "url"],
                                    "properties": {
                                        "tlp_label": {
                                            "enum": ["UNLABELED", "WHITE", "GREEN", "AMBER", "RED"]
                                        },
                                        "url": HTTPS_JSON,
                                    },
                                },
                            },
                        },
                    }
                },
            },
        },
        "pgp_keys": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["url"],
                "properties": {"fingerprint": {"type": "string", "pattern": "^[0-9a-fA-F]{32,}$"}},
            },
        },
    },
}
ROLIE_FEED_20 = {
    "type": "object",
    "required": ["feed"],
    "properties": {
        "feed": {
            "type": "object",
            "required": ["id", "title", "link", "category", "updated", "entry"],
            "properties": {
                "id": {"type": "string", "pattern": r"^[a-zA-Z0-9+\-_\.]+$"},
                "link": LINKS,
                "category": {
                    "type": "array",
                    "prefixItems": [
                        {
                            "required": ["scheme", "term"],
                            "properties": {
                                "scheme": {
                                    "const": "urn:ietf:params:rolie:category:information-type"
                                },
                                "term": {"const": "csaf"},
                            },
                        }
                    ],
                    "minItems": 1,
                },
                "updated": {"type": "string", "format": "date-time"},
                "entry": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": [
                            "id",
                            "title",
                            "link",
                            "published",
                            "updated",
                            "content",
                            "format",
                        ],
                        "properties": {
                            "link": LINKS,
                            "content": {
                                "required": ["type", "src"],
                                "properties": {
                                    "type": {"const": "application/json"},
                                    "src": HTTPS_JSON,
                                },
                            },
                            "format": {
                                "required": ["schema", "version"],
                                "properties": {
                                    "schema": {
                                        "const": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
                                    },
                                    "version": {"const": "2.0"},
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}


CSAF_CATEGORY = {
    "required": ["scheme", "term"],
    "properties": {
        "scheme": {"const": "urn:ietf:params:rolie:category:information-type"},
        "term": {"const": "csaf"},
    },
}
# RFC 8322 section 5 in JSON, as CSAF 2.0 sections 7.1.16-17 show it.
ROLIE_SERVICE = {
    "type": "object",
    "required": ["service"],
    "properties": {
        "service": {
            "type": "object",
            "required": ["workspace"],
            "properties": {
                "workspace": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["title", "collection"],
                        "properties": {
                            "collection": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["title", "href", "categories"],
                                    "properties": {
                                        "href": HTTPS_JSON,
                                        "categories": {
                                            "required": ["category"],
                                            "properties": {
                                                "category": {
                                                    "type": "array",
                                                    "prefixItems": [CSAF_CATEGORY],
                                                }
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                }
            },
        }
    },
}
ROLIE_CATEGORIES = {
    "type": "object",
    "required": ["categories"],
    "properties": {
        "categories": {
            "type": "object",
            "required": ["category"],
            "properties": {
                "category": {
                    "type": "array",
                    "minItems": 1,
                    "prefixItems": [CSAF_CATEGORY],
                    "items": {
                        "type": "object",
                        "required": ["term"],
                        "properties": {"term": {"type": "string", "minLength": 1}},
                    },
                }
            },
        }
    },
}


def _valid(instance: Any, schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not problems, problems


@dataclass
class Mirror:
    """What the aggregator took from the provider."""

    metadata: dict[str, Any]
    key_file: Path | None
    feeds: dict[str, int] = field(default_factory=dict)  # feed URL -> HTTP status
    entries: dict[str, list[str]] = field(default_factory=dict)  # TLP label -> tracking ids
    documents: list[Path] = field(default_factory=list)
    # From the ROLIE service documents: the feeds they list.
    service_feeds: set[str] = field(default_factory=set)
    # From the ROLIE category documents: TLP label -> terms (None: the document answered no).
    categories: dict[str, list[str] | None] = field(default_factory=dict)


class Aggregator:
    """An aggregator-style client: provider metadata -> key -> ROLIE feeds -> documents."""

    def __init__(self, client: TestClient, root: Path) -> None:
        self.client = client
        self.root = root

    def get(self, url: str) -> Any:
        assert url.startswith(BASE + "/"), url
        return self.client.get(url.removeprefix(BASE))

    def _key(self, metadata: dict[str, Any]) -> Path | None:
        keys = metadata.get("pgp_keys", [])
        if not keys:
            return None
        (listed,) = keys
        answer = self.get(listed["url"])
        assert answer.status_code == 200
        path = self.root / "provider-key.asc"
        path.write_bytes(answer.content)
        shown = subprocess.run(
            [str(GPG), "--batch", "--with-colons", "--show-keys", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        fingerprints = [line.split(":")[9] for line in shown.splitlines() if line[:4] == "fpr:"]
        assert fingerprints[0] == listed["fingerprint"].upper()  # the primary key's
        return path

    def mirror(self) -> Mirror:
        answer = self.client.get("/.well-known/csaf/provider-metadata.json")
        assert answer.status_code == 200
        metadata = answer.json()
        _valid(metadata, PROVIDER_20)
        result = Mirror(metadata, self._key(metadata))
        for distribution in metadata["distributions"]:
            self._rolie_documents(distribution, result)
            for listed in distribution["rolie"]["feeds"]:
                feed = self.get(listed["url"])
                result.feeds[listed["url"]] = feed.status_code
                if feed.status_code != 200:
                    continue
                _valid(feed.json(), ROLIE_FEED_20)
                folder = self.root / listed["tlp_label"].lower()
                ids = result.entries.setdefault(listed["tlp_label"], [])
                for entry in feed.json()["feed"]["entry"]:
                    ids.append(entry["id"])
                    result.documents.append(self._document(entry, folder, result.key_file))
                self._folder_files(distribution["directory_url"], folder)
        # The service documents list exactly the feeds this reader may read.
        assert result.service_feeds == {u for u, status in result.feeds.items() if status == 200}
        for label, terms in result.categories.items():
            # Every term dissects a document this reader got (none from a hidden one).
            assert set(terms or []) <= _terms(self.root / label.lower()), label
        return result

    def _rolie_documents(self, distribution: dict[str, Any], result: Mirror) -> None:
        """Follow the distribution's ROLIE service and category documents (7.1.16-17)."""
        rolie = distribution["rolie"]
        for url in rolie.get("services", []):
            answer = self.get(url)
            assert answer.status_code == 200
            _valid(answer.json(), ROLIE_SERVICE)
            for workspace in answer.json()["service"]["workspace"]:
                result.service_feeds.update(c["href"] for c in workspace["collection"])
        (label,) = {feed["tlp_label"] for feed in rolie["feeds"]}
        for url in rolie.get("categories", []):
            answer = self.get(url)
            if answer.status_code != 200:
                result.categories[label] = None
                continue
            _valid(answer.json(), ROLIE_CATEGORIES)
            terms = [c["term"] for c in answer.json()["categories"]["category"][1:]]
            result.categories[label] = terms

    def _document(self, entry: dict[str, Any], folder: Path, key_file: Path | None) -> Path:
        links = {(link["rel"], link["href"].rsplit(".", 1)[-1]) for link in entry["link"]}
        url = entry["content"]["src"]
        assert {("self", "json"), ("hash", "sha256"), ("hash", "sha512")} <= links
        year: str = url.split("/")[-2]
        name: str = url.split("/")[-1]
        path = folder / year / name
        path.parent.mkdir(parents=True, exist_ok=True)
        document = self.get(url)
        assert document.status_code == 200
        path.write_bytes(document.content)
        for algorithm in signing.HASH_ALGORITHMS:
            companion = self.get(f"{url}.{algorithm}")
            assert companion.status_code == 200
            assert companion.text.split() == [companion.text.split()[0], name]
            Path(f"{path}.{algorithm}").write_bytes(companion.content)
            matches, _digest = csaf_hash_check(path, algorithm)
            assert matches, f"{url}.{algorithm} does not match the document"
        if key_file is not None:
            assert ("signature", "asc") in links
            signature = self.get(f"{url}.asc")
            assert signature.status_code == 200
            assert signature.text.startswith("-----BEGIN PGP SIGNATURE-----")
            Path(f"{path}.asc").write_bytes(signature.content)
            good, output = csaf_signature_check(path, Path(f"{path}.asc"), key_file)
            assert good, output
        assert validation.findings(document.content) == []
        tracking = document.json()["document"]["tracking"]
        assert entry["id"] == tracking["id"]
        assert entry["updated"] == tracking["current_release_date"]
        assert entry["published"] == tracking["initial_release_date"]
        return path

    def _folder_files(self, directory_url: str, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("index.txt", "changes.csv"):
            answer = self.get(directory_url + name)
            assert answer.status_code == 200
            (folder / name).write_bytes(answer.content)


def changes(text: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in csv.reader(io.StringIO(text)) if row]


def _terms(folder: Path) -> set[str]:
    """What the mirrored documents of a folder may be dissected by: document category and
    language, and the names of vendor, product family and product branches."""
    found: set[str] = set()

    def branches(items: list[dict[str, Any]]) -> None:
        for branch in items:
            if branch["category"] in {"vendor", "product_family", "product_name"}:
                found.add(branch["name"])
            branches(branch.get("branches", []))

    for path in folder.glob("*/*.json"):
        document = json.loads(path.read_bytes())
        found.update({document["document"]["category"], document["document"]["lang"]})
        branches(document.get("product_tree", {}).get("branches", []))
    return found
