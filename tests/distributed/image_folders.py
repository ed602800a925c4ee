"""A folder of ~300 small photos with corrupt files and exact duplicates, for the Ray embedding tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from tests.embed.conftest import PHOTOS, photo, random_view

N_VIEWS = 300
CORRUPT = {
    "broken/empty.jpg": "empty file (0 bytes)",
    "broken/notes.png": "not an image Pillow can read",
}
TRUNCATED = "broken/truncated.jpg"  # the header parses; the pixels fail to decode (a late corrupt file)
DUPLICATES = {"dup/copy_000.jpg": "views/000.jpg", "dup/copy_007.jpg": "views/007.jpg", "views/zzz.jpg": "views/042.jpg"}


def make_image_folder(root: Path, *, n_views: int = N_VIEWS, seed: int = 21) -> Path:
    """``n_views`` JPEG views of scikit-image's photos, two corrupt files, a truncated JPEG and 3 duplicates."""
    rng = np.random.default_rng(seed)
    names = sorted(PHOTOS)
    sources = {name: photo(name) for name in names}
    (root / "views").mkdir(parents=True)
    for i in range(n_views):
        random_view(sources[names[i % len(names)]], rng, size=(96, 72)).save(root / "views" / f"{i:03d}.jpg")
    (root / "broken").mkdir()
    (root / "broken/empty.jpg").write_bytes(b"")
    (root / "broken/notes.png").write_text("not an image\n")
    whole = (root / "views/001.jpg").read_bytes()
    (root / TRUNCATED).write_bytes(whole[: len(whole) // 2])
    (root / "dup").mkdir()
    for copy, original in DUPLICATES.items():
        shutil.copyfile(root / original, root / copy)
    return root
