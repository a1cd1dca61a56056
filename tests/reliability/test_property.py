"""Property: any mutation of a valid scenario either runs completely or fails with one line.

Hypothesis changes types, keys, values, whole sections and the file's encoding (UTF-8 with
and without BOM, UTF-16 with and without BOM, Latin-1, Windows-1252) of the small scenario,
and runs ``arealsirk run`` in-process.  Every example must end in exit status 0 with a
complete output folder, or status 2 with exactly one error line; never a traceback or an
"internal error", never a partial output folder, never a changed input.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from arealsirk._outputs import MANIFEST
from arealsirk.cli import main

from .conftest import LAYERS, tree_hash

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
KEYS = [
    ("scenario", "name"),
    ("scenario", "lang"),
    ("scenario", "synthetic"),
    ("biogas", "count"),
    ("biogas", "max_km"),
    ("biogas", "enabled"),
    ("biogas", "capacity_t"),
    ("biogas", "min_plant_t"),
    ("reuse", "enabled"),
    ("parks", "enabled"),
    ("parameters", "biogas.max_km"),
    ("parameters", "resources.methane_nm3_per_t.food_waste"),
    ("layers", "sources"),
    ("layers", "roads"),
    ("layers", "zones"),
]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252"]

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_scalar = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, 2, 3, -1, 10**9, 10**10]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 0.5, 30.0, 1e-300, math.inf, math.nan]),
    st.booleans(),
    _text,
    st.sampled_from(["nb", "en", "", "Ålesund", "{{7*7}}", "inputs.gpkg", "t/yr"]),
)
_value = st.one_of(
    _scalar,
    st.lists(_scalar, max_size=3),
    st.dictionaries(st.sampled_from(["path", "layer", "x"]), _scalar, max_size=2),
)


def _toml_key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\\u007f", "\\u007F")
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{ " + ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"


def _emit(data: dict[str, Any]) -> str:
    lines = [f"{_toml_key(k)} = {_toml(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for section, body in data.items():
        if isinstance(body, dict):
            lines += ["", f"[{_toml_key(section)}]"] + [
                f"{_toml_key(k)} = {_toml(v)}" for k, v in body.items()
            ]
    return "\n".join(lines) + "\n"


def _valid(gpkg: Path) -> dict[str, Any]:
    return {
        "scenario": {"name": "small", "lang": "en"},
        "layers": {name: {"path": gpkg.as_posix(), "layer": name} for name in LAYERS},
        "biogas": {"count": 1},
        "reuse": {"enabled": False},
        "parks": {"enabled": False},
    }


_mutation = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(KEYS), _value),
    st.tuples(st.just("delete"), st.sampled_from(KEYS), st.none()),
    st.tuples(
        st.just("section"), st.sampled_from(["scenario", "layers", "biogas", "parameters", "reuse"]), _scalar
    ),
    st.tuples(
        st.just("new-key"),
        st.tuples(
            st.sampled_from(["scenario", "biogas", "layers", "parameters", "x"]),
            st.from_regex(r"[a-z_.]{1,12}", fullmatch=True),
        ),
        _scalar,
    ),
    st.tuples(
        st.just("name"),
        st.just(("scenario", "name")),
        st.sampled_from(["Ålesund\u2013Ørsta", "Tromsø", "Bodø"]),
    ),
)


def _apply(data: dict[str, Any], mutation: tuple) -> None:
    op, target, value = mutation
    if op == "section":
        data[target] = value
        return
    section, key = target
    body = data.setdefault(section, {})
    if not isinstance(body, dict):
        return
    if op == "delete":
        body.pop(key, None)
    else:
        body[key] = value


def _encode(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _complete(out: Path) -> None:
    manifest = json.loads((out / MANIFEST).read_text())
    assert sorted(manifest["files"]) == ["map.html", "results.gpkg", "summary.md"]
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST, *manifest["files"]])
    for name, size in manifest["files"].items():
        assert (out / name).stat().st_size == size > 0


#: Examples per run (raise it to hunt: AREALSIRK_PROPERTY_EXAMPLES=500 AREALSIRK_PROPERTY_SEED=random).
EXAMPLES = int(os.environ.get("AREALSIRK_PROPERTY_EXAMPLES", "30"))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=os.environ.get("AREALSIRK_PROPERTY_SEED") != "random",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=st.lists(_mutation, min_size=1, max_size=3), encoding=st.sampled_from(ENCODINGS))
def test_mutated_scenario_runs_or_fails_in_one_line(base, mutations, encoding):
    inputs_before = tree_hash(base.folder)
    data = _valid(base.gpkg)
    for m in mutations:
        _apply(data, m)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = folder / "scenario.toml"
        scenario.write_bytes(_encode(_emit(data), encoding))
        before = tree_hash(scenario)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["--no-progress", "run", str(scenario), "--out", str(folder / "out")])
        text = err.getvalue()
        assert "Traceback" not in text and "internal error" not in text, text
        errors = [line for line in text.splitlines() if line.startswith("arealsirk: error:")]
        others = [line for line in text.splitlines() if line.strip() and not line.startswith("arealsirk: ")]
        assert not others, text
        event(f"exit {code}")
        if code == 0:
            assert not errors, text
            _complete(folder / "out")
        else:
            assert code == 2, text
            assert len(errors) == 1 and text.strip().splitlines()[-1] == errors[0], text
            assert not (folder / "out").exists(), "a failed run left an output folder"
        assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == [], "debris"
        assert tree_hash(scenario) == before
    assert tree_hash(base.folder) == inputs_before, "an input changed"
