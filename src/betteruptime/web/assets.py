"""The dashboard's front-end files: which ones the pages need and where they come from.

htmx, uPlot and Swagger UI are npm packages pinned in package.json/package-lock.json. `npm ci` puts
them in node_modules; `python -m betteruptime.web.assets NODE_MODULES` (run by
scripts/lib/assets.sh) copies the few files the pages use into static/vendor, inside the
package, so the api serves them itself (no CDN: pages work offline) and a wheel built
from a prepared checkout carries them. An install without them (pip install from a
plain source tree) still serves every page; the pages then say that charts and live
updates are off, instead of failing silently.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"

# Served name -> path inside node_modules.
VENDOR_FILES: dict[str, str] = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "uPlot.iife.min.js": "uplot/dist/uPlot.iife.min.js",
    "uPlot.min.css": "uplot/dist/uPlot.min.css",
    # The API documentation at /docs.
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}


def missing_vendor_files(vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """The vendor files the pages need that are not installed (empty when all are)."""
    return [name for name in VENDOR_FILES if not (vendor_dir / name).is_file()]


def copy_vendor_files(node_modules: Path, vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """Copy the vendor files from `node_modules`; returns their names.

    Raises FileNotFoundError naming the first file `npm ci` did not provide, so a
    package whose layout changed in an upgrade stops the install loudly.
    """
    vendor_dir.mkdir(parents=True, exist_ok=True)
    for name, source in VENDOR_FILES.items():
        path = node_modules / source
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run `npm ci` in the project folder")
        shutil.copyfile(path, vendor_dir / name)
    return list(VENDOR_FILES)


def main(argv: list[str]) -> int:
    node_modules = Path(argv[0] if argv else "node_modules")
    try:
        copied = copy_vendor_files(node_modules)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"dashboard assets: {', '.join(copied)} -> {VENDOR_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
