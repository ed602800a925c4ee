"""LightlyOne's sequence selection (``selected_sequence_length: L`` in the worker config): each video is split
into sequences of L consecutive frames, a sequence's embedding is the mean of its frames' embeddings, the
selection runs over sequences, and every frame of a selected sequence is selected.

Docs: https://docs.lightly.ai/docs/sequence-selection — "Each input video is split into sequences of length
selected_sequence_length. Next, the embeddings of all frames in a sequence are aggregated (averaged). The
selection is performed on sequence level." ``n_samples`` counts frames and must be a multiple of L (n_samples / L
sequences are selected); with ``proportion_samples`` the frame count is ``n_frames * proportion`` rounded down to
a multiple of L.

What the docs leave open, embedscope decides so:

- Sequences are cut from the start of each video: frames 0..L-1, L..2L-1, … of the video's sampled frames (every
  ``--frame-stride``-th frame; with the default stride 1, consecutive frames). A video's trailing frames that do
  not fill a sequence belong to no sequence: they stay in the input (the metrics count them) but are never
  selected. Likewise a sequence one of whose frames is not in the input (a datapool frame, a removed
  near-duplicate) is left out.
- Strategies work on the sequence embeddings: inputs EMBEDDINGS (DIVERSITY, TYPICALITY) and RANDOM. Per-frame
  metadata, scores and predictions have no sequence value in LightlyOne's docs, so those inputs are refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from embedscope.errors import ConfigError
from embedscope.ingest.samples import LoadedInputs
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.progress import Progress
from embedscope.run_parameters import RunParameters
from embedscope.select.config import EmbeddingsInput, RandomInput, SelectionConfig, config_sample_request
from embedscope.select.run_sample_data import RunSampleData
from embedscope.select.run_selection import Selection, select_samples
from embedscope.select.sample_count import resolve_n_samples
from embedscope.select.sample_data import SampleData


class FrameLike(Protocol):
    """What sequence grouping needs of a frame (:class:`~embedscope.ingest.video_frames.FrameRef`)."""

    @property
    def video(self) -> str: ...

    @property
    def index(self) -> int: ...


@dataclass(frozen=True)
class FrameSequences:
    """The complete sequences of a run's frames.

    Attributes:
        members: (n_sequences, L) int64 input rows of each sequence's frames, in frame order; sequences in
            input order of their first frame.
        n_frames_left_out: input frames that belong to no complete sequence.
    """

    members: np.ndarray
    n_frames_left_out: int

    @property
    def length(self) -> int:
        return int(self.members.shape[1])


def sequence_key(frame: FrameLike, *, length: int, frame_stride: int) -> tuple[str, int]:
    """(video, sequence number) of a frame: its position among the video's sampled frames, divided by L."""
    return frame.video, (frame.index // frame_stride) // length


def group_sequences(
    names: Sequence[str], frames: Mapping[str, FrameLike], *, length: int, frame_stride: int = 1
) -> FrameSequences:
    """Group the input frames ``names`` into complete sequences of ``length`` (see the module docstring).

    Cost: O(n) time and memory.
    """
    rows: dict[tuple[str, int], list[int]] = {}
    for row, name in enumerate(names):
        rows.setdefault(sequence_key(frames[name], length=length, frame_stride=frame_stride), []).append(row)
    complete = [members for members in rows.values() if len(members) == length]
    members = np.array(complete, dtype=np.int64).reshape(len(complete), length)
    return FrameSequences(members=members, n_frames_left_out=len(names) - members.size)


def sequence_embeddings(vectors: np.ndarray, members: np.ndarray) -> np.ndarray:
    """(n_sequences, dim) float32: the mean of each sequence's frame vectors, summed in float64.

    Args:
        vectors: (n_frames, dim) frame embeddings.
        members: (n_sequences, L) rows of ``vectors``.
    """
    return np.asarray(vectors, dtype=np.float64)[members].mean(axis=1).astype(np.float32)


def sequence_frame_count(params: RunParameters, n_frames: int, config: SelectionConfig | None, length: int) -> int:
    """Frames to select: ``n_samples`` (a multiple of L), or ``n_frames * proportion`` rounded down to one.

    Raises:
        ConfigError: ``n_samples`` not a multiple of L, or a proportion that gives less than one sequence.
    """
    n_samples, proportion = params.n_samples, params.proportion
    if config is not None:
        n_samples, proportion = config_sample_request(config, cli_n_samples=n_samples, cli_proportion=proportion)
    where = _request_source(params, config)
    if n_samples is not None:
        if n_samples % length:
            raise ConfigError(
                f"{where}n_samples {n_samples} is not a multiple of selected_sequence_length {length}; n_samples "
                f"counts frames, give n_sequences x {length} (e.g. {max(1, n_samples // length) * length})"
            )
        return resolve_n_samples(n_frames, n_samples=n_samples, proportion=None)
    wanted = resolve_n_samples(n_frames, n_samples=None, proportion=proportion)
    if wanted < length:
        raise ConfigError(f"{where}proportion {proportion} of {n_frames} frames gives {wanted}, less than one "
                          f"sequence of selected_sequence_length {length}")
    return wanted - wanted % length


def _request_source(params: RunParameters, config: SelectionConfig | None) -> str:
    """``"FILE: "`` naming where the sample count came from (``--n-samples`` / ``--proportion`` when given, else the
    selection or worker config file), for the messages of :func:`sequence_frame_count`."""
    if params.n_samples is not None:
        return "--n-samples: "
    if params.proportion is not None:
        return "--proportion: "
    source = config.source if config is not None else None
    source = source or params.worker_config_path
    return f"{source}: " if source is not None else ""


def check_sequence_proportion(params: RunParameters, config: SelectionConfig | None, *, max_frames: int) -> None:
    """Before any frame is embedded: refuse a proportion that gives less than one sequence even of
    ``max_frames``, an upper bound of the frames the run will sample (the videos' declared frame counts).

    Raises:
        ConfigError: see :func:`sequence_frame_count` (the message counts ``max_frames``, "at most").
    """
    n_samples = params.n_samples
    if config is not None:
        n_samples = config_sample_request(config, cli_n_samples=n_samples, cli_proportion=params.proportion)[0]
    if n_samples is None:
        try:
            sequence_frame_count(params, max_frames, config, params.selected_sequence_length)
        except ConfigError as error:
            raise ConfigError(str(error).replace(f"of {max_frames} frames", f"of at most {max_frames} frames")) from None


def check_sequence_request(params: RunParameters, config: SelectionConfig | None) -> None:
    """What can be checked before any frame is embedded: strategy inputs that have a sequence value, and an
    explicit ``n_samples`` that is a multiple of L.

    Raises:
        ConfigError: see :func:`sequence_frame_count` and :func:`select_sequences`.
    """
    _check_inputs(config)
    n_samples = params.n_samples
    if config is not None:
        n_samples = config_sample_request(config, cli_n_samples=n_samples, cli_proportion=params.proportion)[0]
    if n_samples is not None:
        sequence_frame_count(params, max(n_samples, 1), config, params.selected_sequence_length)


def _check_inputs(config: SelectionConfig | None) -> None:
    if config is None:
        return
    for number, entry in enumerate(config.strategies):
        source = entry.input
        if not isinstance(source, EmbeddingsInput | RandomInput) or getattr(source, "query", None) is not None:
            raise ConfigError(
                f"strategies[{number}].input: {source.type} is per frame; with selected_sequence_length the "
                "selection runs on sequence embeddings (inputs EMBEDDINGS and RANDOM)"
            )


def select_sequences(
    params: RunParameters,
    samples: LoadedInputs,
    config: SelectionConfig | None,
    frames: Mapping[str, FrameLike],
    *,
    frame_stride: int,
    progress: Progress,
) -> Selection:
    """Select whole sequences of ``params.selected_sequence_length`` frames; the returned rows are frames.

    Args:
        samples: the video frames (input rows) and the datapool.
        frames: frame name → its video and index, for every input frame.

    Raises:
        ConfigError: a count that is not a multiple of L, more sequences asked than the videos hold, or a
            strategy input that has no sequence value.
    """
    length = params.selected_sequence_length
    _check_inputs(config)
    sequences = group_sequences(samples.input.names, frames, length=length, frame_stride=frame_stride)
    n_frames = sequence_frame_count(params, len(samples.input), config, length)
    n_sequences = n_frames // length
    available = len(sequences.members)
    if n_sequences > available:
        raise ConfigError(
            f"n_samples {n_frames} asks for {n_sequences} sequences of {length} frames; the videos hold "
            f"{available} complete sequence(s)"
        )
    names = [samples.input.names[int(first)] for first in sequences.members[:, 0]]
    table = EmbeddingTable(
        names=names, vectors=sequence_embeddings(samples.input.vectors, sequences.members), source=samples.input.source
    )
    sequence_inputs = LoadedInputs(input=table, datapool=samples.datapool)
    no_data = RunSampleData(input=SampleData(names=names), datapool=None)
    progress.stage(f"selecting {n_sequences:,} of {available:,} sequences of {length} frames")
    chosen = select_samples(
        dataclasses.replace(params, n_samples=n_sequences, proportion=None), sequence_inputs, config, no_data, progress
    )
    return Selection(
        indices=sequences.members[chosen.indices].reshape(-1),
        cover_distances=None,  # the metrics measure the frames' coverage themselves
        stopped_early=chosen.stopped_early,
        stopped_reason=chosen.stopped_reason,
    )


def select_video_sequences(
    params: RunParameters, samples: LoadedInputs, config: SelectionConfig | None, progress: Progress
) -> Selection:
    """:func:`select_sequences` for the frames of a video folder run (``samples.videos``, see
    :class:`~embedscope.embed.video_samples.VideoInputs`).

    Raises:
        ConfigError: INPUT is not a folder of videos; see :func:`select_sequences`.
    """
    videos = getattr(samples, "videos", None)
    if videos is None:
        raise ConfigError("selected_sequence_length works on folders of videos (as in LightlyOne)")
    return select_sequences(
        params, samples, config, videos.frames, frame_stride=videos.frame_stride, progress=progress
    )
