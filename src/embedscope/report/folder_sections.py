"""Document content for folder runs, read from the report's ``embedscope`` key: the videos (``videoLevelSizes``)
and the detection predictions that were read, skipped or cropped (``predictions``, ``objectLevel``).

Shared by the PDF and the HTML, like :mod:`embedscope.report.sections`.
"""

from __future__ import annotations

from typing import Any

from embedscope.report.model import ReportV2
from embedscope.report.sections import TableData

MAX_VIDEO_ROWS = 60  # videos listed in the documents; report_embedscope.json lists all
MAX_SKIPPED_ROWS = 20  # skipped predictions listed per task in the documents
TIMELINE_PREFIX = "timeline_"
BOUNDING_BOXES_PREFIX = "bounding_boxes_"


def _ext(report: ReportV2, key: str) -> Any:
    return report.embedscope.get(key) if report.embedscope else None


def video_summary(report: ReportV2) -> str | None:
    """One sentence on the videos of the run; None when INPUT held no videos."""
    sizes = _ext(report, "videoLevelSizes")
    if not sizes:
        return None
    stride = sizes["frameStride"]
    kept = "every frame" if stride == 1 else f"every {_ordinal(stride)} frame"
    faults = []
    if sizes.get("nVideosUnreadable"):
        faults.append(f"{sizes['nVideosUnreadable']} unreadable")
    damaged = sizes.get("nVideosWithFault", 0) - sizes.get("nVideosUnreadable", 0)
    if damaged > 0:
        faults.append(f"{damaged} read up to a fault")
    fault_text = f" ({', '.join(faults)}; see the table)" if faults else ""
    blank = (_ext(report, "blankFrames") or {}).get("nFrames", 0)
    blank_text = f" ({blank:,} blank, uniform or grey frames left out)" if blank else ""
    return (
        f"{sizes['nVideos']:,} videos{fault_text}; {sizes['nFramesDecoded']:,} frames decoded, {kept} kept: "
        f"{sizes['nFramesInput']:,} frames in the input{blank_text}, {sizes['nFramesSelected']:,} selected."
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def video_table(report: ReportV2) -> TableData | None:
    """Per video: frames decoded, in the input, selected, and the fault if any (first MAX_VIDEO_ROWS)."""
    sizes = _ext(report, "videoLevelSizes")
    if not sizes:
        return None
    rows = [
        (
            str(video["video"]),
            f"{video['nFramesDecoded']:,}",
            f"{video['nFramesInput']:,}",
            f"{video['nFramesSelected']:,}",
            str(video.get("fault") or ""),
        )
        for video in sizes["videos"][:MAX_VIDEO_ROWS]
    ]
    return TableData(
        header=("video", "frames decoded", "frames in input", "frames selected", "fault"),
        rows=rows, widths=(3.0, 1.1, 1.1, 1.1, 3.0), first_numeric=1, last_numeric=3,
    )


def video_table_note(report: ReportV2) -> str | None:
    """Says how many videos the table leaves out, if any."""
    sizes = _ext(report, "videoLevelSizes")
    if not sizes or len(sizes["videos"]) <= MAX_VIDEO_ROWS:
        return None
    return (f"The first {MAX_VIDEO_ROWS} of {len(sizes['videos']):,} videos; report_embedscope.json "
            "(embedscope.videoLevelSizes) lists all.")


def prediction_summary_table(report: ReportV2) -> TableData | None:
    """Per detection task read from files: its source, skipped predictions and skipped crops."""
    predictions = _ext(report, "predictions")
    if not predictions:
        return None
    rows = [
        (task, str(summary.get("source", "")), f"{summary.get('nSkippedPredictions', 0):,}",
         f"{summary.get('nSkippedCrops', 0):,}")
        for task, summary in predictions.get("tasks", {}).items()
    ]
    rows += [(task, f"not read: {reason}", "", "") for task, reason in predictions.get("skippedTasks", {}).items()]
    return TableData(
        header=("task", "source", "skipped predictions", "skipped crops"),
        rows=rows, widths=(1.4, 4.0, 1.2, 1.2), first_numeric=2,
    )


def skipped_predictions_table(report: ReportV2) -> TableData | None:
    """The first skipped predictions and crops of every task, with the reason."""
    predictions = _ext(report, "predictions")
    if not predictions:
        return None
    rows: list[tuple[str, ...]] = []
    for task, summary in predictions.get("tasks", {}).items():
        entries = [*summary.get("skippedPredictions", {}).items(), *summary.get("skippedCrops", {}).items()]
        rows += [(task, str(where), str(reason)) for where, reason in entries[:MAX_SKIPPED_ROWS]]
    if not rows:
        return None
    return TableData(header=("task", "file or crop", "reason"), rows=rows, widths=(1.2, 2.6, 4.2), first_numeric=3)


def skipped_predictions_note(report: ReportV2) -> str | None:
    predictions = _ext(report, "predictions")
    if not predictions:
        return None
    return (f"At most {MAX_SKIPPED_ROWS} per task are listed here; {predictions.get('skippedPredictionsFile')} in "
            "the output folder lists every skipped prediction and crop with its reason.")


def object_level_text(report: ReportV2) -> str | None:
    """One sentence on an object-level run's crops; None for image-level runs."""
    crops = _ext(report, "objectLevel")
    if not crops:
        return None
    return (
        f"Object-level run on task {crops['task']}: {crops['nCropsInput']:,} crops from "
        f"{crops['nImagesWithInputCrops']:,} images (padding {crops['cropPadding']:g} of the box on each side, "
        f"boxes under {crops['minCropSize']:g} px skipped); {crops['nCropsSelected']:,} crops selected from "
        f"{crops['nImagesWithSelectedCrops']:,} images."
    )
