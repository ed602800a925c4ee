"""The embeddings-only path (model already exported) never imports torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from embedscope.embed.cache_location import CACHE_DIR_ENV

SCRIPT = """
import json, sys
from pathlib import Path
import embedscope.embed, embedscope.ingest, embedscope.cli.embed_command
from embedscope.embed import embed_image_folder, embed_images
from embedscope.ingest import scan_image_folder, load_thumbnail
result = embed_image_folder(scan_image_folder(Path(sys.argv[1])), embedding_dim=2)
crops = embed_images([load_thumbnail(Path(sys.argv[1]) / "a.png")])
print(json.dumps({"shape": list(result.vectors.shape), "crops": list(crops.shape),
                  "torch": sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))}))
"""


def test_embedding_with_an_exported_model_does_not_import_torch(
    tmp_path: Path, model_cache_dir: Path
) -> None:
    rng = np.random.default_rng(18)
    for name in ["a.png", "b.png", "c.png"]:
        Image.fromarray(rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)).save(tmp_path / name)
    env = {**os.environ, CACHE_DIR_ENV: str(model_cache_dir)}
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report == {"shape": [3, 2], "crops": [1, 1280], "torch": []}
