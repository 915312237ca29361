"""spaCy's attribute rules found by lookup: the matches its AttributeRuler's Matcher finds, in its order, faster.

The AttributeRuler of the English models (tag to part of speech, and a few hundred word-and-tag exceptions)
tries each of its patterns at every token: about a sixth of the model's time, for rules that are nearly all
"this word with this tag". Here each pattern is filed under the values its first token asks for, so a token
costs one dictionary lookup per kind of pattern; the ruler then sets the same attributes from the same matches.
A token's pattern may test a string attribute for a value, for one of a set (IN), for none of a set (NOT_IN)
or against a regular expression (REGEX), and a flag (IS_PUNCT ...) for a value; a ruler holding any other
pattern (operators, comparisons, extensions, other attributes) is left as spaCy made it. The lookup is made
from the rules the ruler holds when it is sped up: kg adds none after.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable
from typing import Any, cast

from spacy import attrs as A
from spacy.tokens import Doc

#: Token attributes a pattern may test for equality: string-valued ones (compared by their hash) and flags.
_STRINGS = {"ORTH": A.ORTH, "TEXT": A.ORTH, "LOWER": A.LOWER, "NORM": A.NORM, "TAG": A.TAG, "DEP": A.DEP}
_FLAGS = {
    name: getattr(A, name)
    for name in (
        "IS_ALPHA",
        "IS_DIGIT",
        "IS_LOWER",
        "IS_UPPER",
        "IS_TITLE",
        "IS_PUNCT",
        "IS_SPACE",
        "LIKE_NUM",
    )
}

Test = tuple[int, str, Any]  # (column of the token array, "==" / "in" / "not in" / "re", what is compared)
Token = tuple[Test, ...]  # the tests one token of a pattern must pass
Candidate = tuple[int, Token, list[Token]]  # (match key, the first token's other tests, the next tokens)


def speed_up(ruler: Any) -> bool:
    """Give `ruler` (a spaCy AttributeRuler) the lookup matcher, if every pattern it holds is one this module
    reads; returns whether it did."""
    match = lookup_matcher(ruler)
    if match is None:
        return False
    ruler.match = match
    return True


def lookup_matcher(ruler: Any) -> Callable[[Doc], list[tuple[int, int, int, int]]] | None:
    """A function giving what `ruler.match(doc)` gives, or None when a pattern uses what is not read here."""
    strings = ruler.vocab.strings
    columns: dict[int, int] = {}  # attribute ID -> column of the token array
    # the patterns, filed by the columns their first token tests for equality, then by the values it asks for;
    # a pattern whose first token tests nothing for equality is tried everywhere
    index: dict[tuple[int, ...], dict[tuple[int, ...], list[Candidate]]] = {}
    everywhere: list[Candidate] = []
    keys: list[int] = []
    for attr_id, rule in enumerate(ruler.patterns):
        key = strings[str(attr_id)]
        keys.append(key)
        for pattern in rule["patterns"]:
            tokens = [_token(spec, strings, columns) for spec in pattern]
            if not tokens or any(t is None for t in tokens):
                return None
            first, *rest = (t for t in tokens if t is not None)
            filed = tuple(t for t in first if t[1] in ("==", "in"))
            others = tuple(t for t in first if t[1] not in ("==", "in"))
            if not filed:
                everywhere.append((key, others, rest))
                continue
            by_values = index.setdefault(tuple(c for c, _, _ in filed), {})
            for values in itertools.product(*([v] if op == "==" else sorted(v) for _, op, v in filed)):
                by_values.setdefault(values if len(values) > 1 else values[0], []).append((key, others, rest))
    attrs = sorted(columns, key=columns.__getitem__)
    if not attrs:  # rules that test nothing: spaCy's matcher knows what they match
        return None
    order = {key: i for i, key in enumerate(keys)}
    # a row's values for each kind of pattern: one column gives a value, more a tuple, none the empty tuple
    kinds: list[tuple[Callable[[list[int]], Any], dict[Any, list[Candidate]]]] = [
        (operator.itemgetter(*cols), by_values) for cols, by_values in index.items()
    ]
    if everywhere:
        kinds.append((lambda _: (), {(): everywhere}))

    def passes(row: list[int], tests: Token) -> bool:
        for c, op, v in tests:
            value = row[c]
            if op == "==":
                if value != v:
                    return False
            elif op == "in":
                if value not in v:
                    return False
            elif op == "not in":
                if value in v:
                    return False
            elif not v.search(strings[value]):
                return False
        return True

    def match(doc: Doc) -> list[tuple[int, int, int, int]]:
        if not len(doc):
            return []
        rows: list[list[int]] = (
            cast(Any, doc.to_array(cast(Any, attrs))).reshape(len(doc), len(attrs)).tolist()
        )
        found: set[tuple[int, int, int]] = set()
        n = len(rows)
        for i, row in enumerate(rows):
            for values, by_values in kinds:
                hits = by_values.get(values(row))
                if not hits:
                    continue
                for key, others, rest in hits:
                    if not others and not rest:  # most rules: this word, this tag
                        found.add((key, i, i + 1))
                        continue
                    end = i + 1 + len(rest)
                    if (
                        end <= n
                        and passes(row, others)
                        and all(passes(rows[i + 1 + j], token) for j, token in enumerate(rest))
                    ):
                        found.add((key, i, end))
        return sorted((order[key], key, start, end) for key, start, end in found)

    return match


def _token(spec: dict[str, Any], strings: Any, columns: dict[int, int]) -> Token | None:
    """The tests of one token's pattern, or None if it asks for what is not read here."""
    tests: list[Test] = []
    wanted: Any
    for key, value in spec.items():
        if not isinstance(key, str):  # an attribute given by its number
            return None
        name = key.upper()
        if name in _FLAGS and isinstance(value, bool):
            attr, op, wanted = _FLAGS[name], "==", int(value)
        elif name not in _STRINGS:
            return None
        elif isinstance(value, str):
            attr, op, wanted = _STRINGS[name], "==", strings.add(value)
        elif isinstance(value, dict) and len(value) == 1:
            ((kind, arg),) = value.items()
            attr = _STRINGS[name]
            if kind in ("IN", "NOT_IN") and isinstance(arg, list) and all(isinstance(a, str) for a in arg):
                op, wanted = ("in" if kind == "IN" else "not in"), frozenset(strings.add(a) for a in arg)
            elif kind == "REGEX" and isinstance(arg, str):
                op, wanted = "re", re.compile(arg)
            else:
                return None
        else:
            return None
        tests.append((columns.setdefault(attr, len(columns)), op, wanted))
    return tuple(sorted(tests, key=lambda t: t[0]))
