"""Refresh the vendored sagemaker-core image config from the sagemaker-core installed in this environment.

    1. set the new version in pyproject.toml's test extra (``sagemaker-core==X.Y.Z``) and run ``make install``
    2. .venv/bin/python llmops_iac/compile/data/sagemaker_core/refresh.py
    3. .venv/bin/python -m pytest tests/compile/test_images.py (the differential test compares every
       framework x version x region with sagemaker-core's own ``image_uris.retrieve``) and review the diff

It copies the config of every framework key llmops_iac.compile.images uses, sagemaker-core's LICENSE, and
writes source.json (distribution, version, where the files came from, their sha256). It reads the
installed files through importlib.metadata and never imports sagemaker.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_DIR = "sagemaker/core/image_uri_config"


def main() -> int:
    sys.path.insert(0, str(HERE.parents[3]))  # the checkout, to read the framework keys
    from llmops_iac.compile.images import FRAMEWORKS, _CPU_KEYS

    dist = metadata.distribution("sagemaker-core")
    installed = {str(f): f for f in dist.files or []}
    names = sorted({f"{key}.json" for key in [*FRAMEWORKS.values(), *_CPU_KEYS.values()]})
    target = HERE / "image_uri_config"
    for old in target.glob("*.json"):
        old.unlink()
    hashes = {}
    for name in names:
        record = installed.get(f"{SOURCE_DIR}/{name}")
        if record is None:
            print(f"sagemaker-core {dist.version} has no {SOURCE_DIR}/{name}", file=sys.stderr)
            return 1
        data = Path(dist.locate_file(record)).read_bytes()
        (target / name).write_bytes(data)
        hashes[name] = hashlib.sha256(data).hexdigest()
    licence = next((f for f in installed.values() if f.name == "LICENSE" and ".dist-info" in str(f)), None)
    if licence is None:
        print("sagemaker-core's dist-info has no LICENSE", file=sys.stderr)
        return 1
    shutil.copyfile(dist.locate_file(licence), HERE / "LICENSE")
    source = {
        "distribution": "sagemaker-core",
        "version": dist.version,
        "licence": "Apache-2.0",
        "from": SOURCE_DIR,
        "files": hashes,
    }
    (HERE / "source.json").write_text(json.dumps(source, indent=2) + "\n", encoding="utf-8")
    print(f"vendored {len(names)} files of sagemaker-core {dist.version}; update the version in README.md beside them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
