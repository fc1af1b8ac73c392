"""The search language: what becomes a term, and that its FTS5 form is always valid."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zoombridge.archive.search_query import (
    MAX_QUERY_CHARS,
    Term,
    fts5_expression,
    parse_query,
)
from zoombridge.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("budget review", [Term("budget", ("budget",)), Term("review", ("review",))]),
        ('"next quarter"', [Term("next quarter", ("next", "quarter"))]),
        ('-"first draft"*', [Term("first draft", ("first", "draft"), True, True)]),
        ("budg*", [Term("budg", ("budg",), prefix=True)]),
        ("b*", [Term("b", ("b",))]),  # one letter is too short to be a prefix
        ("-draft", [Term("draft", ("draft",), exclude=True)]),
        ("alice@example.edu", [Term("alice@example.edu", ("alice", "example", "edu"))]),
        ('"unbalanced', [Term("unbalanced", ("unbalanced",))]),
        ("NEAR(a b)", [Term("NEAR(a", ("NEAR", "a")), Term("b)", ("b",))]),
        ("text:hello ^x", [Term("text:hello", ("text", "hello")), Term("^x", ("x",))]),
        ("- * ** () -- ''", []),
        ("Grüße 東京", [Term("Grüße", ("Grüße",)), Term("東京", ("東京",))]),
    ],
)
def test_what_becomes_a_term(text: str, terms: list[Term]) -> None:
    assert list(parse_query(text).terms) == terms


def test_the_fts5_expression_quotes_every_term() -> None:
    query = parse_query('budget "next quarter" dead* -draft -"first cut"')
    assert fts5_expression(query) == (
        '({speaker body} : ("budget" AND "next quarter" AND "dead"*)) '
        'NOT ({speaker body} : ("draft" OR "first cut"))'
    )
    assert parse_query("-only -exclusions").empty


def test_too_long_is_refused() -> None:
    parse_query("x" * MAX_QUERY_CHARS)
    with pytest.raises(InvalidInput, match="characters"):
        parse_query("x" * (MAX_QUERY_CHARS + 1))


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE t USING fts5(scope, speaker, body, "
        "tokenize='porter unicode61 remove_diacritics 2', prefix='2 3 4')"
    )
    db.execute("INSERT INTO t VALUES ('zbpriv', 'Ada', 'the budget for next quarter')")
    return db


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_any_text_compiles_to_a_valid_fts5_query(fts: sqlite3.Connection, text: str) -> None:
    try:
        query = parse_query(text)
    except InvalidInput:
        return
    if not query.empty:
        fts.execute("SELECT rowid FROM t WHERE t MATCH ?", (fts5_expression(query),)).fetchall()
