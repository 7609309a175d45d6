"""Refresh the console's third-party browser assets: ``python -m core.console.vendor``.

Each is pinned by version and by the registry's sha512 integrity, fetched from the npm registry
(``NPM_REGISTRY`` to use a mirror; no Node needed), and written under ``static/console/vendor/``
with its licence. The files are committed, so users never fetch anything at run time.
To upgrade: change the version, set ``integrity`` to what ``npm view <name>@<version>
dist.integrity`` prints, run this, and look at the page.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

TARGET = Path(__file__).parent / "static" / "console" / "vendor"


@dataclass(frozen=True)
class Asset:
    name: str
    version: str
    integrity: str
    files: dict[str, str]  # path in the package -> path under vendor/<name>/


ASSETS = (
    Asset(
        "leaflet",
        "1.9.4",
        "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        {
            "dist/leaflet.js": "leaflet.js",
            "dist/leaflet.js.map": "leaflet.js.map",  # it names it: collectstatic's manifest looks for it
            "dist/leaflet.css": "leaflet.css",
            "dist/images/layers.png": "images/layers.png",
            "dist/images/layers-2x.png": "images/layers-2x.png",
            "dist/images/marker-icon.png": "images/marker-icon.png",
            "dist/images/marker-icon-2x.png": "images/marker-icon-2x.png",
            "dist/images/marker-shadow.png": "images/marker-shadow.png",
            "LICENSE": "LICENSE",
        },
    ),
    Asset(
        "leaflet.markercluster",  # a plugin of the Leaflet above: peer leaflet ^1.3.1
        "1.5.3",
        "sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==",
        {
            "dist/leaflet.markercluster.js": "leaflet.markercluster.js",
            "dist/leaflet.markercluster.js.map": "leaflet.markercluster.js.map",  # it names it: collectstatic looks
            "dist/MarkerCluster.css": "MarkerCluster.css",
            "dist/MarkerCluster.Default.css": "MarkerCluster.Default.css",
            "MIT-LICENCE.txt": "MIT-LICENCE.txt",
        },
    ),
    Asset(
        "chart.js",
        "4.5.1",
        "sha512-GIjfiT9dbmHRiYi6Nl2yFCq7kkwdkp1W/lp2J99rX0yo9tgJGn3lKQATztIjb5tVtevcBtIdICNWqlq5+E8/Pw==",
        {
            "dist/chart.umd.min.js": "chart.umd.min.js",
            "dist/chart.umd.min.js.map": "chart.umd.min.js.map",  # named by the script, as above
            "LICENSE.md": "LICENSE.md",
        },
    ),
)


def fetch(asset: Asset, registry: str) -> bytes:
    meta_url = f"{registry.rstrip('/')}/{asset.name}/{asset.version}"
    with urllib.request.urlopen(meta_url, timeout=30) as response:
        tarball = json.load(response)["dist"]["tarball"]
    with urllib.request.urlopen(tarball, timeout=60) as response:
        data = response.read()
    algorithm, expected = asset.integrity.split("-", 1)
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{asset.name}@{asset.version}: integrity mismatch ({actual})")
    return data


def install(asset: Asset, data: bytes) -> None:
    folder = TARGET / asset.name
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for source, dest in asset.files.items():
            member = archive.extractfile(f"package/{source}")
            if member is None:
                raise SystemExit(f"{asset.name}: {source} is not a file in the package")
            path = folder / dest
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(member.read())
    (folder / "VERSION").write_text(f"{asset.name}@{asset.version} {asset.integrity}\n")


def main() -> None:
    registry = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org")
    for asset in ASSETS:
        install(asset, fetch(asset, registry))
        print(f"{asset.name}@{asset.version} -> {TARGET / asset.name}")


if __name__ == "__main__":
    main()
