"""Whoosh's private names stay behind one door (the package search_index.whoosh_private: its reads, and the bulk
rebuild's writer in its module ``writing``), on the verified version only: the
start-up check, strict mode, the paths counted across writer processes, and the import rules checked."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest
from whoosh.fields import TEXT

from search_index import analysis, bulk, whoosh_private
from search_index import index as index_module
from search_index.index import SearchIndex
from search_index.query import SearchRequest
from search_index.schema import WordsField, build_schema
from tests.integration.search_recall import DOCS

ROOT = Path(__file__).resolve().parents[2]
PRIVATE_PACKAGE = "whoosh_private"
# Whoosh's documented modules; the codec, reading, writing, matching, column and util.numeric internals are read
# in whoosh_private only.
PUBLIC_WHOOSH = {"whoosh", "whoosh.index", "whoosh.query", "whoosh.searching", "whoosh.fields", "whoosh.analysis",
                 "whoosh.matching", "whoosh.scoring", "whoosh.util.filelock"}  # fmt: skip
# Whoosh classes made to be subclassed: a field type (WordsField), a tokenizer, a weighting model (ranking.py).
PUBLIC_BASES = {"TEXT", "Tokenizer", "BM25F"}
FIRST_PARTY = {"search_index", "knowledge", "expert_pool", "webapp", "tests", "scripts"}


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    analysis.warm_up()


@pytest.fixture
def other_version(monkeypatch: pytest.MonkeyPatch) -> whoosh_private.FastPath:
    """whoosh-reloaded 2.7.6 installed, nothing checked yet."""
    monkeypatch.setattr(whoosh_private, "installed_version", lambda: "2.7.6")
    fresh = whoosh_private.FastPath()
    monkeypatch.setattr(whoosh_private, "fast_path", fresh)
    return fresh


# ---- the start-up check


def test_the_start_up_check_warns_once_naming_both_versions(other_version, caplog, tmp_path):
    with caplog.at_level(logging.WARNING, logger=whoosh_private.logger.name):
        SearchIndex(tmp_path / "a")
        SearchIndex(tmp_path / "b")
    [message] = [r.getMessage() for r in caplog.records if r.name == whoosh_private.logger.name]
    assert "whoosh-reloaded 2.7.6 is installed" in message and "whoosh-reloaded 2.7.5" in message
    assert "public" in message and not other_version.allowed


def test_the_verified_version_is_the_installed_one(monkeypatch, caplog, tmp_path):
    assert whoosh_private.installed_version() == whoosh_private.VERIFIED_VERSION == "2.7.5"
    monkeypatch.setattr(whoosh_private, "fast_path", whoosh_private.FastPath())
    with caplog.at_level(logging.WARNING, logger=whoosh_private.logger.name):
        SearchIndex(tmp_path)
    assert whoosh_private.fast_path.allowed and caplog.records == []


def test_strict_mode_raises_instead_of_taking_the_public_path(other_version, tmp_path):
    index = SearchIndex(tmp_path / "index")
    assert index.upsert(DOCS).ok  # an update is Whoosh's own writer either way
    assert index.search(SearchRequest(allowed="all", q="深基坑")).total  # not strict: the public path answers
    other_version.strict = True
    with pytest.raises(whoosh_private.FastPathUnavailable, match="2.7.6"):
        SearchIndex(tmp_path / "index").search(SearchRequest(allowed="all", q="深基坑"))
    with pytest.raises(whoosh_private.FastPathUnavailable, match="writer"):
        index.rebuild(DOCS)
    assert index.search(SearchRequest(allowed="all", q="深基坑")).total  # the failed rebuild changed nothing


def test_strict_mode_from_the_environment(monkeypatch):
    monkeypatch.setenv(whoosh_private.STRICT_ENV, "1")
    assert whoosh_private.FastPath().strict
    monkeypatch.delenv(whoosh_private.STRICT_ENV)
    assert not whoosh_private.FastPath().strict


# ---- the writer processes


def test_a_parallel_rebuild_counts_each_writer_processs_fast_path(tmp_path, monkeypatch):
    monkeypatch.setattr(index_module, "PARALLEL_MIN_DOCS", 1)
    monkeypatch.setattr(bulk, "JOB_BATCH", 4)
    monkeypatch.setattr(whoosh_private.fast_path, "strict", True)  # handed to the writer processes too
    whoosh_private.fast_path.reset()
    index = SearchIndex(tmp_path, build_procs=2)
    assert index.rebuild(iter(DOCS), len(DOCS)).ok
    assert whoosh_private.fast_path.counts() == {"fast": {"writer": 2}, "public": {}}
    assert 1 <= len(index.view().segments) <= 2  # a segment per writer that got documents


# ---- the layout the schema writes


@pytest.mark.parametrize("fieldname", ["title", "body", "pairs"])
def test_words_fields_index_what_whooshs_text_field_indexes(fieldname):
    """WordsField counts terms itself and packs the frequency as Whoosh's Frequency format does
    (whoosh_private.frequency_value): the same (term, frequency, weight, value) as TEXT.index."""
    field = build_schema()[fieldname]
    assert isinstance(field, WordsField)
    for doc in DOCS:
        text = f"{doc['title']}\n{doc.get('body', '')}"
        assert sorted(field.index(text)) == sorted(TEXT.index(field, text)), doc["doc_id"]


# ---- the rules


def offences(path: Path, *, in_package: bool = True) -> list[str]:
    """Whoosh internals reached outside whoosh_private (imported anywhere; read or subclassed in the package),
    and underscore names imported from another module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    is_private_module = path.parent.name == PRIVATE_PACKAGE and path.parent.parent.name == "search_index"
    whoosh_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            root = node.module.split(".")[0]
            underscored = [
                a.name for a in node.names if a.name.startswith("_") and node.module != "__future__"
            ]
            if underscored and (root in FIRST_PARTY or (root == "whoosh" and not is_private_module)):
                found.append(f"{node.lineno}: imports {', '.join(underscored)} from {node.module}")
            if root == "whoosh":
                whoosh_names.update(a.asname or a.name for a in node.names)
                if node.module not in PUBLIC_WHOOSH and not is_private_module:
                    found.append(f"{node.lineno}: imports from {node.module}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if (
                    alias.name.startswith("whoosh.")
                    and alias.name not in PUBLIC_WHOOSH
                    and not is_private_module
                ):
                    found.append(f"{node.lineno}: imports {alias.name}")
    if is_private_module or not in_package:
        return found
    for node in ast.walk(tree):
        is_own = (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        )
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not is_own
        ):
            found.append(f"{node.lineno}: reads {ast.unparse(node)}")
        if isinstance(node, ast.ClassDef):
            bases = {b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases}
            whoosh_bases = {b for b in bases if b in whoosh_names or b in {"MultiTerm", "SegmentWriter"}}
            if whoosh_bases - PUBLIC_BASES:
                found.append(f"{node.lineno}: {node.name} subclasses {', '.join(sorted(whoosh_bases))}")
    return found


def test_only_whoosh_private_reads_whooshs_private_names():
    package = sorted((ROOT / "search_index").rglob("*.py"))
    found = {str(p.relative_to(ROOT)): offences(p) for p in package}
    assert {name: lines for name, lines in found.items() if lines} == {}
    door = ROOT / "search_index" / PRIVATE_PACKAGE
    assert {door / "__init__.py", door / "writing.py"} <= set(package)


def test_the_search_tests_and_benchmark_import_no_private_names():
    files = [
        *(ROOT / "tests" / "integration").glob("test_search_*.py"),
        ROOT / "scripts/bench/search_bulk.py",
    ]
    found = {str(p.relative_to(ROOT)): offences(p, in_package=False) for p in files}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_rule_checker_sees_each_kind_of_offence(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from whoosh.codec.whoosh3 import W3Codec\nfrom whoosh.writing import SegmentWriter\n"
        "from search_index.view import _top\nimport whoosh.reading\n"
        "def f(leaf):\n    return leaf._terms._postfile\n"
        "class W(SegmentWriter):\n    pass\n"
    )
    found = offences(bad)
    assert sorted(int(line.split(":")[0]) for line in found) == [1, 2, 3, 4, 6, 6, 7], found
    assert sorted(int(line.split(":")[0]) for line in offences(bad, in_package=False)) == [1, 2, 3, 4]
