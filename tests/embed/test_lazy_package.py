"""``embedscope.embed`` imports its exports on first use: a Ray model actor or decode task, which imports only
the preprocessing and network modules, and a scan task (``distributed.ray_image_folder``, whose imports reach the
PCA projection module) start without scikit-learn and SciPy (seconds per worker process)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

WORKER_IMPORTS = """
import json, sys
import embedscope.embed.preprocess, embedscope.embed.feature_extractor, embedscope.distributed.shard_embedding
import embedscope.distributed.ray_image_folder
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("sklearn", "scipy", "torch"))))
"""


def test_worker_modules_do_not_import_sklearn_scipy_or_torch() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", WORKER_IMPORTS], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == []


def test_package_exports_resolve_to_their_modules() -> None:
    from embedscope import embed
    from embedscope.embed.image_embedder import embed_image_files, embed_images
    from embedscope.embed.image_folder_embedding import ImageFolderEmbeddings, embed_image_folder
    from embedscope.embed.projection import project_features

    expected = {
        "ImageFolderEmbeddings": ImageFolderEmbeddings, "embed_image_files": embed_image_files,
        "embed_image_folder": embed_image_folder, "embed_images": embed_images, "project_features": project_features,
    }
    assert sorted(embed.__all__) == sorted(expected) == sorted(embed._EXPORTS)
    for name, value in expected.items():
        assert getattr(embed, name) is value
    with pytest.raises(AttributeError, match="no attribute 'not_an_export'"):
        _ = embed.not_an_export  # type: ignore[attr-defined]
