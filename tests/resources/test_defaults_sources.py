"""Every default is a claim: a unit and a real source, or a plainly stated planning assumption."""

from __future__ import annotations

import re

from arealsirk.defaults import table

# sources that only point somewhere without saying anything (issue 13)
_PLACEHOLDERS = re.compile(r"^\s*(assumption|guide\s*§?\s*5|guide section 5|issue\s*\d+)\s*\.?\s*$", re.I)


def test_every_row_has_a_unit_and_a_real_source():
    bad = []
    for row in table():
        if not row.unit.strip() or not row.source.strip():
            bad.append(f"{row.key}: empty unit or source")
        elif _PLACEHOLDERS.match(row.source):
            bad.append(f"{row.key}: placeholder source {row.source!r}")
        elif re.search(r"\bGUIDE\b|\bIssue \d", row.source):
            bad.append(f"{row.key}: cites the project guide or an issue, not a publication: {row.source!r}")
        elif row.source.startswith("Assumption"):
            bad.append(f"{row.key}: say 'Planning assumption: <why>' ({row.source!r})")
        elif (
            row.source.lower().startswith("planning assumption")
            and len(row.source) < len("Planning assumption: ") + 10
        ):
            bad.append(f"{row.key}: a planning assumption must say why ({row.source!r})")
    assert not bad, "\n".join(bad)


def test_m1533_has_its_real_title():
    for row in table():
        if "M-1533" in row.source:
            assert "Ressursgrunnlaget for produksjon av biogass i Norge i 2030" in row.source, row.key
            assert "Klimatiltak i jordbruket" not in row.source, row.key


def test_the_checker_catches_placeholders():
    for text in ("Assumption", "GUIDE §5", "Issue 6", "  assumption. "):
        assert _PLACEHOLDERS.match(text)
    assert not _PLACEHOLDERS.match("Planning assumption: a region plans one or two parks")
