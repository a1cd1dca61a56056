"""The house's size bar (issue 16), enforced on the source (ast, nothing imported).

No function or method in ``arealsirk/`` may span more than :data:`MAX_LINES` lines (from its
``def`` line to its last line, docstring and comments included; a nested function counts on its
own and also inside the function that holds it).  A long function is split into named phases
(validate -> prepare -> compute -> explain -> layers), see CONTRIBUTING.md.

:data:`BEING_SPLIT` lists the functions other engineers are splitting right now; each entry fails
the test once it is no longer needed, so the list only shrinks (as ``KNOWN_DEBT`` of
``test_architecture.py``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "arealsirk"

#: the bar of issue 16: no function in arealsirk/ over 120 lines
MAX_LINES = 120

#: functions over the bar that are being split in parallel ("path::qualified name"); remove an
#: entry as soon as its function is under the bar (the test below fails until you do)
BEING_SPLIT = {
}


def function_lengths(path: Path) -> Iterator[tuple[str, int, int]]:
    """(qualified name, first line, number of lines) of every function and method in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                yield name, child.lineno, (child.end_lineno or child.lineno) - child.lineno + 1
                yield from walk(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(tree, "")


def long_functions(root: Path, limit: int) -> dict[str, int]:
    """``{"rel/path.py::qualname": lines}`` of every function in ``root`` longer than ``limit``."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        if "_vendor" in path.relative_to(root).parts:
            continue
        rel = path.relative_to(root).as_posix()
        for name, _line, n in function_lengths(path):
            if n > limit:
                found[f"{rel}::{name}"] = n
    return found


LONG = long_functions(PKG, MAX_LINES)


def test_no_function_over_the_bar():
    new = {k: n for k, n in LONG.items() if k not in BEING_SPLIT}
    assert not new, (f"functions over {MAX_LINES} lines (split them into named phases: validate -> "
                     "prepare -> compute -> explain -> layers):\n"
                     + "\n".join(f"arealsirk/{k}: {n} lines" for k, n in sorted(new.items())))


def test_being_split_is_still_needed():
    """An entry of BEING_SPLIT whose function is under the bar (or gone) must be removed (one test, not
    one per entry: an empty BEING_SPLIT must not turn into a skip, which `make test` fails)."""
    stale = sorted(e for e in BEING_SPLIT if e not in LONG)
    assert not stale, f"{stale}: no longer over {MAX_LINES} lines, remove them from BEING_SPLIT"


def test_the_checker_counts_lines(tmp_path):
    """The checker itself, on a file whose lengths are known by construction."""
    body = "\n".join(f"    x{i} = {i}" for i in range(121))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.py").write_text(
        "def short():\n    return 1\n\n\n"  # 2 lines
        "class K:\n    def long(self):\n" + body.replace("    ", "        ") + "\n\n"  # 1 + 121 lines
        "    async def inner_ok(self):\n        def nested():\n            pass\n        return 0\n")
    (tmp_path / "_vendor").mkdir()
    (tmp_path / "_vendor" / "v.py").write_text(f"def vendored():\n{body}\n")
    lengths = {name: n for name, _, n in function_lengths(tmp_path / "sub" / "m.py")}
    assert lengths == {"short": 2, "K.long": 122, "K.inner_ok": 4, "K.inner_ok.nested": 2}
    assert long_functions(tmp_path, 120) == {"sub/m.py::K.long": 122}
    assert long_functions(tmp_path, 122) == {}
