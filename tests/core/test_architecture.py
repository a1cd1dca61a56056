"""The import rules of docs/architecture.md, enforced on the source (ast, nothing imported).

Every ``import``/``from ... import`` in every module of ``arealsirk/`` counts, also the ones
inside functions (a function-local import still couples two stages, it only hides a cycle).
Three rules:

1. a stage imports only the stages its row of :data:`ALLOWED` names (one-way layers);
2. no import cycle between the top-level modules and packages;
3. no import of a private name (``_x`` module or ``_x`` attribute) across stages.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

PKG = Path(__file__).resolve().parents[2] / "arealsirk"

#: old flat module names kept as shims (the same module object) -> the stage that holds them now
SHIMS = {"_graph": "network", "_ch": "network", "proximity": "network", "constraints": "suitability",
         "scoring": "suitability", "raster": "suitability", "candidates": "suitability", "datasets": "demo",
         "_demo": "demo"}

#: the kernel: errors, the defaults table and parameters, validation, files, progress.  Any stage
#: may import it; it imports only itself.  Its private modules are shared on purpose (a public
#: name of ``arealsirk._validate`` may be imported anywhere; a ``_name`` inside it may not).
KERNEL = {"errors", "defaults", "resources", "io", "progress", "paths", "_validate", "_text", "_optional",
          "_outputs", "_vendor", "i18n"}

#: stage -> the stages it may import (besides the kernel and itself).  Lower rows first.
ALLOWED: dict[str, set[str]] = {
    "network": set(),
    "suitability": {"network"},
    "locate": set(),
    "distributed": {"locate", "network"},
    "readers": {"network"},
    "workflows": {"network", "suitability", "locate"},
    "themes": {"workflows", "network", "suitability", "locate"},
    "scenario": {"themes", "estimate", "cooperation_run"},  # [resources]: the estimate's switches
    "demo": {"scenario"},
    "estimate": {"readers", "network", "webmap"},
    "webmap": {"workflows", "themes", "costs", "cooperation", "indicators"},  # it presents the results
    "costs": {"network", "suitability", "locate", "workflows", "readers"},
    "cooperation": {"network", "suitability", "locate", "workflows", "readers", "costs"},
    "indicators": {"network", "suitability", "locate", "workflows", "readers", "costs", "cooperation"},
    "siting_game": {"network", "suitability", "locate", "workflows", "costs", "cooperation"},
    "cooperation_run": {"network", "suitability", "locate", "workflows", "readers", "themes", "estimate",
                        "costs", "cooperation", "indicators", "siting_game"},
    "region_builder": {"readers", "estimate", "network", "themes", "scenario", "demo"},
    "pipeline": {"network", "suitability", "locate", "readers", "workflows", "themes", "scenario", "demo",
                 "estimate", "webmap", "costs", "cooperation", "indicators", "distributed",
                 "siting_game", "cooperation_run"},
    "cli": {"network", "suitability", "locate", "readers", "workflows", "themes", "scenario", "demo",
            "estimate", "webmap", "region_builder", "pipeline", "costs", "cooperation", "indicators",
            "distributed", "siting_game", "cooperation_run"},
    "": set(),  # arealsirk/__init__.py: lazy names only (run_demo, od_matrix, ...), via importlib
}
#: the API reference generator reads every public module (via importlib); nothing imports it
ALLOWED["_apidoc"] = {s for s in ALLOWED if s}
for _k in KERNEL:
    ALLOWED[_k] = set()

#: known debt, each entry named and dated in docs/architecture.md; the test fails when an entry is
#: no longer needed, so the list only shrinks.  (importing module, imported module)  Empty today.
KNOWN_DEBT: set[tuple[str, str]] = set()


def stage(module: str) -> str:
    """The stage of a dotted module name: ``arealsirk.network.graph`` -> ``network``."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    if top == "report":
        return "webmap"  # the Word report presents the same results as the maps
    return SHIMS.get(top, top)


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PKG.rglob("*.py")):
        parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
        if "_vendor" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def imports(module: str, path: Path) -> Iterator[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every arealsirk import in the file."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "arealsirk":
                    yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "arealsirk":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if (PKG.parent / (sub.replace(".", "/") + ".py")).is_file() or \
                        (PKG.parent / sub.replace(".", "/") / "__init__.py").is_file():
                    yield sub, None, node.lineno  # `from . import scoring` imports a module
                else:
                    yield target, alias.name, node.lineno


def is_shim(module: str) -> bool:
    return module.count(".") == 1 and module.split(".")[1] in SHIMS


EDGES = [(m, t, name, line, path) for m, path in modules() if not is_shim(m)
         for t, name, line in imports(m, path)]


def test_the_rules_know_every_stage():
    unknown = sorted({stage(m) for m, _ in modules()} - set(ALLOWED))
    assert not unknown, (f"top-level modules {unknown} have no row in ALLOWED of "
                         "tests/core/test_architecture.py and docs/architecture.md: "
                         "say which stages they may import")


def test_a_stage_imports_only_the_stages_below_it():
    bad = []
    for src, target, _name, line, path in EDGES:
        a, b = stage(src), stage(target)
        if b in ("", a) or b in KERNEL or (src, target) in KNOWN_DEBT:
            continue
        if b not in ALLOWED.get(a, set()):
            bad.append(f"{path.relative_to(PKG.parent)}:{line}: {a} imports {target} ({b})")
    assert not bad, "forbidden imports (docs/architecture.md):\n" + "\n".join(bad)


def test_no_import_cycle_between_stages():
    graph = nx.DiGraph()
    for src, target, _name, _line, _path in EDGES:
        a, b = stage(src), stage(target)
        if a != b and b and (src, target) not in KNOWN_DEBT:
            graph.add_edge(a, b)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import cycles between stages: {cycles}"


def test_no_private_name_across_stages():
    bad = []
    for src, target, name, line, path in EDGES:
        if stage(src) == stage(target) or (src, target) in KNOWN_DEBT:
            continue
        private_module = [p for p in target.split(".")[1:] if p.startswith("_") and p not in KERNEL]
        if private_module or (name is not None and name.startswith("_") and name != "__version__"):
            bad.append(f"{path.relative_to(PKG.parent)}:{line}: {src} imports {target}"
                       + (f".{name}" if name else ""))
    assert not bad, "private names imported across stages:\n" + "\n".join(bad)


def test_known_debt_is_still_real():
    """An entry of KNOWN_DEBT that is no longer needed must be removed (the list only shrinks).

    One test over the whole list (not one per entry): an empty list is then a pass, not a skip."""
    edges = {(src, target) for src, target, *_ in EDGES}
    paid = sorted(debt for debt in KNOWN_DEBT if debt not in edges)
    assert not paid, f"{paid} paid: remove from KNOWN_DEBT"


def test_the_checker_sees_a_forbidden_import(tmp_path):
    """The checker itself: a network module importing a workflow is caught, also inside a function."""
    path = tmp_path / "graph.py"
    path.write_text("def f():\n    from ..workflows.biogas import site_biogas\n"
                    "    from .._graph import _CACHE\n")
    found = list(imports("arealsirk.network.graph", path))
    assert ("arealsirk.workflows.biogas", "site_biogas", 2) in found
    assert ("arealsirk._graph", "_CACHE", 3) in found
    assert "workflows" not in ALLOWED["network"]
    assert stage("arealsirk._graph") == "network" and stage("arealsirk.webmap.summary") == "webmap"
    assert stage("arealsirk.i18n.numbers") == "i18n" and "i18n" in KERNEL
    assert stage("arealsirk.report") == "webmap"
    assert stage("arealsirk._ch") == "network"
    assert all("_apidoc" not in allowed for allowed in ALLOWED.values())  # documentation only
