#!/usr/bin/env python3
"""Fetch the pinned JavaScript/CSS/font packages for the offline web maps.

Run once (and again only to change a pin); commit the result::

    .venv/bin/python scripts/vendor_assets.py

For every package in :data:`PACKAGES` this runs ``npm pack NAME@VERSION`` in a
temporary directory (the npm client downloads the registry tarball and checks its
integrity), unpacks it, copies only the files the maps need plus the package's
licence files into ``arealsirk/_vendor/<name>/`` and records name, version,
licence, tarball integrity and the copied files (with their sha256) in
``arealsirk/_vendor/MANIFEST.json``.  Nothing is copied by hand; the versions are
the ones folium 0.20 links to from CDNs (leaflet 1.9.3, jquery 3.7.1, bootstrap
5.2.2, fontawesome 6.2.0, awesome-markers 2.0.2) plus the clustering and map-sync
plugins.

The repository's ``.gitignore`` ignores ``dist/`` folders, so after re-vendoring add the
files with ``git add -f arealsirk/_vendor`` (files already tracked stay tracked).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "arealsirk" / "_vendor"

#: npm package -> (version, files to copy relative to the package root).
#: Licence files (LICENSE*, LICENCE*, MIT-LICENCE*) are always copied.
PACKAGES: dict[str, tuple[str, list[str]]] = {
    "leaflet": ("1.9.3", [
        "dist/leaflet.js", "dist/leaflet.css",
        "dist/images/layers.png", "dist/images/layers-2x.png",
        "dist/images/marker-icon.png", "dist/images/marker-icon-2x.png", "dist/images/marker-shadow.png",
    ]),
    "leaflet.markercluster": ("1.5.3", [
        "dist/leaflet.markercluster.js", "dist/MarkerCluster.css", "dist/MarkerCluster.Default.css",
    ]),
    "leaflet.sync": ("0.2.4", ["L.Map.Sync.js"]),
    "jquery": ("3.7.1", ["dist/jquery.min.js"]),
    "bootstrap": ("5.2.2", ["dist/js/bootstrap.bundle.min.js", "dist/css/bootstrap.min.css"]),
    "@fortawesome/fontawesome-free": ("6.2.0", [
        "css/all.min.css",
        "webfonts/fa-solid-900.woff2", "webfonts/fa-regular-400.woff2", "webfonts/fa-brands-400.woff2",
        "webfonts/fa-v4compatibility.woff2",
    ]),
    "drmonty-leaflet-awesome-markers": ("2.0.2", [
        "js/leaflet.awesome-markers.min.js", "css/leaflet.awesome-markers.css",
        "css/images/markers-soft.png", "css/images/markers-soft@2x.png",
        "css/images/markers-shadow.png", "css/images/markers-shadow@2x.png",
    ]),
}

LICENCE_PREFIXES = ("license", "licence", "mit-licence", "mit-license", "copying")


def _npm(*args: str, cwd: Path) -> str:
    out = subprocess.run(["npm", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return out.stdout


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


MIT_TEXT = """Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO
EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
USE OR OTHER DEALINGS IN THE SOFTWARE.
"""  # noqa: E501  (the MIT licence text, verbatim)


def _licence_from_metadata(name: str, version: str, pkg_json: dict, pkg_root: Path,
                           files: list[str]) -> str | None:
    """Licence text for a package that ships none: only for a declared MIT licence.

    The copyright line is taken from the first comment block of the first copied
    JavaScript file (the package's own header).
    """
    declared = pkg_json.get("license") or pkg_json.get("licenses")
    types = [declared] if isinstance(declared, str) else [d.get("type") for d in declared or []]
    if "MIT" not in types:
        return None
    header = ""
    for rel in files:
        if rel.endswith(".js"):
            text = (pkg_root / rel).read_text(encoding="utf-8", errors="replace")
            if text.startswith("/*"):
                header = text[2:text.index("*/")].strip()
            break
    return (f"{name}@{version} ships no licence file; its package.json declares: {json.dumps(declared)}\n"
            f"Copyright notice from the package's source header:\n\n{header}\n\n"
            f"The MIT licence it declares:\n\n{MIT_TEXT}")


def vendor(name: str, version: str, files: list[str], tmp: Path) -> dict[str, object]:
    work = tmp / name.replace("/", "__")
    work.mkdir(parents=True)
    info = json.loads(_npm("pack", f"{name}@{version}", "--json", cwd=work))[0]
    tarball = work / info["filename"]
    with tarfile.open(tarball) as tf:
        tf.extractall(work / "x", filter="data")
    pkg_root = work / "x" / "package"
    pkg_json = json.loads((pkg_root / "package.json").read_text(encoding="utf-8"))
    if pkg_json.get("version") != version:
        raise SystemExit(f"{name}: npm gave version {pkg_json.get('version')}, expected {version}")
    dest = VENDOR / name
    if dest.exists():
        shutil.rmtree(dest)
    licences = sorted(p.name for p in pkg_root.iterdir()
                      if p.is_file() and p.name.lower().startswith(LICENCE_PREFIXES))
    generated_licence = None
    if not licences:
        generated_licence = _licence_from_metadata(name, version, pkg_json, pkg_root, files)
    if not licences and generated_licence is None:
        raise SystemExit(f"{name}@{version}: no licence file in the package")
    copied: dict[str, str] = {}
    for rel in [*files, *licences]:
        src = pkg_root / rel
        if not src.is_file():
            raise SystemExit(f"{name}@{version}: file {rel} not in the package")
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        copied[rel] = _sha256(target)
    if generated_licence is not None:
        (dest / "LICENSE.txt").write_text(generated_licence, encoding="utf-8")
        licences = ["LICENSE.txt (generated from package.json and the source header)"]
    lic = pkg_json.get("license") or pkg_json.get("licenses")
    return {
        "version": version,
        "license": lic,
        "license_files": licences,
        "integrity": info.get("integrity"),
        "tarball_shasum": info.get("shasum"),
        "homepage": pkg_json.get("homepage"),
        "files": copied,
    }


def main() -> int:
    VENDOR.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="arealsirk-vendor-") as tmp:
        for name, (version, files) in PACKAGES.items():
            manifest[name] = vendor(name, version, files, Path(tmp))
            print(f"{name}@{version}: {len(manifest[name]['files'])} files")  # type: ignore[index]
    (VENDOR / "MANIFEST.json").write_text(
        json.dumps({"generated_by": "scripts/vendor_assets.py", "registry": "npm",
                    "packages": manifest}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    readme = VENDOR / "README.md"
    readme.write_text(
        "# Vendored web assets\n\n"
        "Copied from npm registry tarballs by `scripts/vendor_assets.py` (do not edit by hand).\n"
        "Each folder keeps the package's own licence file(s); `MANIFEST.json` lists package, version,\n"
        "licence, tarball integrity and the sha256 of every copied file.\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
