"""Vendor the site's two JavaScript dependencies into ``docs/assets/`` so it needs no network.

* ``katex`` typesets the math: ``katex.min.js``, ``contrib/auto-render.min.js``,
  ``katex.min.css`` and the ``woff2`` fonts (every current browser reads woff2, so the
  stylesheet's ``woff``/``ttf`` fallbacks are removed and never requested), ~550 kB.
* ``iframe-worker`` lets the search run from ``file://`` (a browser refuses web workers
  there); the theme's ``offline`` plugin would otherwise load it from a CDN. 1.4 kB.

Both are MIT-licensed; each package's ``LICENSE`` is copied beside its files. Run from the
repository root when upgrading (needs ``npm``, which only talks to the npm registry)::

    python scripts/vendor_assets.py
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "docs" / "assets"
PINNED = {"katex": "0.19.1", "iframe-worker": "1.0.4"}
KEEP = {
    "katex": {
        "package/dist/katex.min.js": "katex.min.js",
        "package/dist/contrib/auto-render.min.js": "auto-render.min.js",
        "package/dist/katex.min.css": "katex.min.css",
        "package/LICENSE": "LICENSE",
    },
    "iframe-worker": {"package/shim/index.js": "shim.js", "package/LICENSE": "LICENSE"},
}
FONT_FALLBACK = re.compile(r',url\(fonts/[^)]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)')


def _target(package: str, member: str, dest: Path) -> Path | None:
    if member in KEEP[package]:
        return dest / KEEP[package][member]
    if package == "katex" and member.startswith("package/dist/fonts/") and member.endswith(".woff2"):
        return dest / "fonts" / Path(member).name
    return None


def vendor(package: str, version: str, dest: Path) -> list[Path]:
    """Fetch ``package@version`` with ``npm pack`` and copy the files the site loads into ``dest``."""
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        pack = ["npm", "pack", f"{package}@{version}", "--silent"]
        subprocess.run(pack, cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        (tarball,) = Path(tmp).glob("*.tgz")
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                target = _target(package, member.name, dest)
                data = tar.extractfile(member) if target else None
                if target is None or data is None:
                    continue
                content = data.read()
                if target.name == "katex.min.css":
                    content = FONT_FALLBACK.sub("", content.decode("utf-8")).encode("utf-8")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
                written.append(target)
    (dest / "VERSION").write_text(f"{package} {version} (npm), MIT licence: see LICENSE\n", encoding="utf-8")
    return written


if __name__ == "__main__":
    for name, version in PINNED.items():
        files = vendor(name, version, ASSETS / name)
        size = sum(f.stat().st_size for f in files)
        print(f"{name} {version}: {len(files)} files, {size / 1024:.0f} kB, in {ASSETS / name}")
