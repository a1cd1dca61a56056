#!/usr/bin/env python3
"""Build the installable QGIS plugin zip: ``dist/arealsirk_qgis.zip``.

    python3 scripts/build_plugin_zip.py [--out dist/arealsirk_qgis.zip]

The zip holds one top-level folder ``arealsirk_qgis/`` (what QGIS's Plugin Manager
"Install from ZIP" expects), without caches, plus the project licence.  It is
reproducible: sorted entries and a fixed timestamp, so the same sources give the
same bytes.  The metadata is checked first (required keys, version equal to the
library's ``__version__``).  Standard library only.
"""

from __future__ import annotations

import argparse
import configparser
import re
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLUGIN = REPO / "qgis_plugin" / "arealsirk_qgis"
REQUIRED_KEYS = (
    "name",
    "qgisMinimumVersion",
    "description",
    "about",
    "version",
    "author",
    "email",
    "repository",
    "hasProcessingProvider",
)
EXCLUDE_DIRS = {"__pycache__", ".pytest_cache"}
EXCLUDE_SUFFIXES = {".pyc", ".pyo", ".orig", ".rej", ".swp"}
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def check_metadata() -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keep key case (qgisMinimumVersion)
    parser.read(PLUGIN / "metadata.txt", encoding="utf-8")
    if "general" not in parser:
        raise SystemExit(f"{PLUGIN / 'metadata.txt'}: no [general] section")
    meta = dict(parser["general"])
    missing = [k for k in REQUIRED_KEYS if not meta.get(k)]
    if missing:
        raise SystemExit(f"{PLUGIN / 'metadata.txt'}: missing keys {', '.join(missing)}")
    init = (REPO / "arealsirk" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', init, re.M)
    if match and match.group(1) != meta["version"]:
        raise SystemExit(
            f"metadata.txt version {meta['version']} differs from arealsirk {match.group(1)}; "
            "bump both together"
        )
    return meta


def files() -> list[Path]:
    out = []
    for path in sorted(PLUGIN.rglob("*")):
        rel = path.relative_to(PLUGIN)
        if (
            path.is_dir()
            or any(part in EXCLUDE_DIRS for part in rel.parts)
            or path.suffix in EXCLUDE_SUFFIXES
        ):
            continue
        out.append(path)
    return out


def build(out: Path) -> Path:
    meta = check_metadata()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".zip.part")
    entries = [(p, f"arealsirk_qgis/{p.relative_to(PLUGIN).as_posix()}") for p in files()]
    licence = next((REPO / n for n in ("LICENSE", "LICENSE.txt", "LICENSE.md") if (REPO / n).is_file()), None)
    if licence is not None and not (PLUGIN / "LICENSE").exists():
        entries.append((licence, "arealsirk_qgis/LICENSE"))
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, name in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    tmp.replace(out)
    print(
        f"wrote {out} ({out.stat().st_size / 1024:.0f} kB, {len(entries)} files, "
        f"{meta['name']} {meta['version']}, QGIS >= {meta['qgisMinimumVersion']})"
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "dist" / "arealsirk_qgis.zip")
    args = parser.parse_args(argv)
    build(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
