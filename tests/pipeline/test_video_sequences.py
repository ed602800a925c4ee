"""LightlyOne's video keys through a run on generated videos: ``selected_sequence_length`` (sequence embeddings
are frame means, whole sequences are selected, ``data/sequence_information.json`` in LightlyOne's shape with
the frames' own presentation timestamps read back with PyAV) and ``relevant_filenames_file`` for videos."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import av
import numpy as np
import pytest

from embedscope.pipeline.local_executor import execute_run
from embedscope.report.assemble.side_files import SideFile
from embedscope.run_parameters import RunParameters
from embedscope.select.sequences import group_sequences, sequence_embeddings
from embedscope.select.worker_config import apply_worker_config
from tests.cli.conftest import run_cli
from tests.ingest.test_video_frames import write_video
from tests.report.lightly_models import lightly_models

LENGTH = 4
FRAME_NAME = re.compile(r"^(?P<stem>.+)-(?P<index>\d+)-(?P<ext>mp4|mkv)\.png$")


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sequences") / "videos"
    write_video(root / "a.mp4", n_frames=14)  # 3 sequences of 4, 2 trailing frames in none
    write_video(root / "drive" / "b.mkv", n_frames=9, size=(48, 32))  # 2 sequences, 1 trailing frame
    write_video(root / "other" / "c.mp4", n_frames=6)  # not listed in the relevant filenames
    (root / ".lightly").mkdir()
    (root / ".lightly" / "relevant_filenames.txt").write_text("a.mp4\ndrive/*\n")
    return root


def _worker(tmp_path: Path, n_samples: int | None, proportion: float | None = None) -> Path:
    """A worker config as LightlyOne's client sends it: its generated models, ``to_dict(by_alias=True)``."""
    models = lightly_models()
    worker = models.DockerWorkerConfigV4Docker(
        selected_sequence_length=LENGTH, relevant_filenames_file=".lightly/relevant_filenames.txt"
    ).to_dict(by_alias=True)
    assert worker == {"selectedSequenceLength": LENGTH, "relevantFilenamesFile": ".lightly/relevant_filenames.txt"}
    count = {"nSamples": n_samples} if proportion is None else {"proportionSamples": proportion}
    selection = {**count, "strategies": [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}}]}
    path = tmp_path / "worker.json"
    path.write_text(json.dumps({"workerConfig": worker, "selectionConfig": selection}))
    return path


def _pts(video: Path) -> list[int]:
    """Every frame's presentation timestamp, decoded independently with PyAV."""
    with av.open(str(video)) as container:
        return [frame.pts for frame in container.decode(video=0)]


def test_sequence_selection_of_the_listed_videos(videos: Path, tmp_path: Path) -> None:
    params = apply_worker_config(
        RunParameters(input_path=videos, out_dir=tmp_path / "out", embedding_dim=4), _worker(tmp_path, 3 * LENGTH)
    )
    assert (params.selected_sequence_length, params.relevant_filenames_path) == (
        LENGTH, videos / ".lightly/relevant_filenames.txt")
    outcome = execute_run(params)
    names = outcome.inputs.input.names
    parsed = [FRAME_NAME.match(name) for name in names]
    assert all(parsed)
    assert {m["stem"] for m in parsed} == {"a", "drive/b"}  # other/c.mp4 is not listed: none of its frames
    assert len(names) == 14 + 9

    # sequences, found here from the names alone: complete runs of LENGTH frames from each video's start
    runs: dict[tuple[str, int], list[int]] = defaultdict(list)
    for row, m in enumerate(parsed):
        runs[(m["stem"], int(m["index"]) // LENGTH)].append(row)
    expected = sorted(rows for rows in runs.values() if len(rows) == LENGTH)
    assert len(expected) == 3 + 2
    frames = outcome.inputs.videos.frames  # type: ignore[attr-defined]
    grouped = group_sequences(names, frames, length=LENGTH)
    assert sorted(grouped.members.tolist()) == expected and grouped.n_frames_left_out == 2 + 1
    vectors = outcome.inputs.input.vectors
    means = np.array([np.mean(vectors[rows].astype(np.float64), axis=0) for rows in grouped.members])
    np.testing.assert_allclose(sequence_embeddings(vectors, grouped.members), means, rtol=1e-6, atol=1e-7)

    selected = outcome.selection.indices.tolist()
    assert len(selected) == 3 * LENGTH
    chosen = [selected[i:i + LENGTH] for i in range(0, len(selected), LENGTH)]
    assert all(sorted(rows) in expected for rows in chosen)  # whole sequences only

    side = {s.relative_path: s.text for s in outcome.side_outputs if isinstance(s, SideFile)}
    info = json.loads(side["data/sequence_information.json"])
    assert len(info) == 3
    pts = {"a.mp4": _pts(videos / "a.mp4"), "drive/b.mkv": _pts(videos / "drive" / "b.mkv")}
    selected_names = {names[row] for row in selected}
    for entry in info:
        assert set(entry) == {"video_name", "frame_names", "frame_timestamps_pts", "frame_indices"}
        assert entry["video_name"] in pts
        indices = entry["frame_indices"]
        assert indices == list(range(indices[0], indices[0] + LENGTH)) and indices[0] % LENGTH == 0
        stem, ext = entry["video_name"].rsplit(".", 1)
        digits = len(str(len(pts[entry["video_name"]])))  # LightlyOne pads to the digits of the frame count
        assert entry["frame_names"] == [f"{stem}-{i:0{digits}d}-{ext}.png" for i in indices]
        assert set(entry["frame_names"]) <= selected_names
        assert entry["frame_timestamps_pts"] == [pts[entry["video_name"]][i] for i in indices]
    assert outcome.report.embedscope["sequenceSelection"]["nSequencesSelected"] == 3


def test_n_samples_not_a_multiple_of_the_sequence_length_is_one_line(videos: Path, tmp_path: Path) -> None:
    result = run_cli("run", videos, "--worker-config", _worker(tmp_path, 10), "--embedding-dim", "4",
                     "--out", tmp_path / "out", "--quiet")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    worker = tmp_path / "worker.json"
    assert len(lines) == 1 and f"{worker}: n_samples 10 is not a multiple of selected_sequence_length 4" in lines[0], \
        result.stderr


def test_proportion_below_one_sequence_fails_before_embedding(videos: Path, tmp_path: Path) -> None:
    """23 listed frames (the headers say so too) x 0.1 gives 2 frames, less than a sequence of 4: refused by the
    ingest stage, which embeds nothing, and as one line by the CLI (no warning from the embedding before it)."""
    from embedscope.errors import ConfigError
    from embedscope.ingest.video_frame_bound import declared_frames
    from embedscope.pipeline import stages
    from embedscope.progress import SilentProgress

    assert [declared_frames(videos / name) for name in ("a.mp4", "drive/b.mkv")] == [len(_pts(videos / "a.mp4")),
                                                                                  len(_pts(videos / "drive/b.mkv"))]
    worker = _worker(tmp_path, None, proportion=0.1)
    params = apply_worker_config(RunParameters(input_path=videos, out_dir=tmp_path / "out", embedding_dim=4), worker)
    with pytest.raises(ConfigError, match=rf"{worker}: proportion 0.1 of at most \d+ frames gives 2, less than one "
                                          "sequence of selected_sequence_length 4"):
        stages.ingest(params, SilentProgress())
    result = run_cli("run", videos, "--worker-config", worker, "--embedding-dim", "4", "--out", tmp_path / "out",
                     "--quiet")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "proportion 0.1" in lines[0], result.stderr
