"""Reliability examples of issue 13, kinds 1-5: each is one example of a kind of fault fixed in every
reader, run through the CLI's ``main`` in-process (exit code and the one stderr line) or the reader itself."""

from __future__ import annotations

import gzip
import os
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from embedscope.errors import InputFileError, first_reasons
from embedscope.ingest.image_folder import scan_image_folder
from embedscope.ingest.predictions.yolo import read_yolo_predictions
from embedscope.ingest.samples import load_inputs
from embedscope.io.embeddings_file import read_embeddings
from embedscope.io.filename_list import read_filename_list
from embedscope.io.lightly_csv import write_lightly_csv
from embedscope.io.name_matching import NameIndex
from embedscope.select.run_selection import selection_from_names
from tests.fuzz_support import run_main

NAMES = [f"img_{i:03d}.jpg" for i in range(30)]


@pytest.fixture
def csv_input(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    write_lightly_csv(path, NAMES, np.random.default_rng(3).normal(size=(30, 4)))
    return path


def _one_line_error(args: list[str | Path], *fragments: str) -> str:
    code, stderr = run_main([str(arg) for arg in args])
    lines = stderr.splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("embedscope: error: "), stderr
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


# ---- 1. one text-decoding rule ---------------------------------------------------------------------------


def test_bom_is_dropped_from_csv_header_and_filename_lists(tmp_path: Path, csv_input: Path) -> None:
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes(b"\xef\xbb\xbf" + csv_input.read_bytes())
    assert read_embeddings(with_bom).names == NAMES
    names = tmp_path / "names.txt"
    names.write_bytes(b"\xef\xbb\xbf" + "".join(f"{n}\r\n" for n in NAMES).encode())
    np.save(tmp_path / "e.npy", np.eye(30, 4, dtype=np.float32) + 1)
    assert read_embeddings(tmp_path / "e.npy", filenames_path=names).names[0] == "img_000.jpg"


@pytest.mark.parametrize("which", ["csv", "names"])
def test_latin1_byte_names_file_and_line(tmp_path: Path, csv_input: Path, which: str) -> None:
    if which == "csv":
        bad = tmp_path / "latin1.csv"
        bad.write_bytes(csv_input.read_bytes().replace(b"img_004", b"img_\xe904"))
        args: list[str | Path] = ["select", bad, "-n", "3", "--out", tmp_path / "s.txt"]
        line = 6  # header + rows img_000 … img_004
    else:
        np.save(tmp_path / "e.npy", np.ones((2, 2), np.float32))
        bad = tmp_path / "names.txt"
        bad.write_bytes(b"a.jpg\nb\xe9.jpg\n")
        args = ["select", tmp_path / "e.npy", "--filenames", bad, "-n", "1", "--out", tmp_path / "s.txt"]
        line = 2
    _one_line_error(args, str(bad), f"line {line}", "0xe9 is not UTF-8")


def test_gzip_bytes_in_a_csv_are_named(tmp_path: Path, csv_input: Path) -> None:
    packed = tmp_path / "packed.csv"
    packed.write_bytes(gzip.compress(csv_input.read_bytes()))
    _one_line_error(["select", packed, "-n", "3", "--out", tmp_path / "s.txt"], str(packed), "gzip")


# ---- 2. names round-trip ------------------------------------------------------------------------------------


def test_select_output_with_leading_spaces_is_read_back_as_the_selection(tmp_path: Path) -> None:
    names = [" leading_space.jpg", "trailing_space.jpg ", *NAMES[2:]]
    source = tmp_path / "in.csv"
    write_lightly_csv(source, names, np.random.default_rng(4).normal(size=(30, 4)))
    selected = tmp_path / "selected.txt"
    assert run_main(["select", str(source), "-n", "30", "--out", str(selected), "-q"])[0] == 0
    assert sorted(read_filename_list(selected)) == sorted(names)
    inputs = load_inputs(source, datapool_path=None, filenames_path=None, normalize=True)
    rows = selection_from_names(inputs, selected).indices  # what `report --selected` reads
    assert [names[int(row)] for row in rows] == read_filename_list(selected)


def test_names_a_list_cannot_hold_are_refused_at_input(tmp_path: Path) -> None:
    newline = tmp_path / "newline.csv"
    write_lightly_csv(newline, ["two\nlines.jpg", *NAMES[1:]], np.ones((30, 2)))
    _one_line_error(["select", newline, "-n", "3", "--out", tmp_path / "s.txt"], str(newline), "a line break")
    null = tmp_path / "null.parquet"
    pq.write_table(pa.table({"filenames": ["a", None, "c"], "embedding": [[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]]}), null)
    _one_line_error(["select", null, "-n", "1", "--out", tmp_path / "s.txt"], str(null), "row 2: no filename (null)")


def test_names_of_the_same_file_match() -> None:
    index = NameIndex(["a.jpg", "sub/caf\u00e9.jpg", "x.jpg", " x.jpg"])
    assert index["./a.jpg"] == 0 and index[" a.jpg "] == 0
    assert index["sub\\cafe\u0301.jpg"] == 1  # Windows separator, NFD (as macOS writes it)
    assert index[" x.jpg"] == 3 and "x.jpg " not in index  # exact first; a loose form of two names matches none


# ---- 3. label formats ----------------------------------------------------------------------------------------


def test_yolo_labels_written_by_numpy_savetxt_are_read(tmp_path: Path) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    np.savetxt(labels / "a.txt", np.array([[1, 0.5, 0.5, 0.25, 0.5], [0, 0.25, 0.25, 0.5, 0.5]]), fmt="%.18e")
    (labels / "b.txt").write_text("1.5 0.5 0.5 0.1 0.1\n")
    (tmp_path / "classes.txt").write_text("cat\ndog\n")
    task = read_yolo_predictions(labels, classes_path=tmp_path / "classes.txt", image_sizes={"a.png": (64, 48), "b.png": (64, 48)})
    assert [(o.category_id, o.bbox) for o in task.predictions["a.png"]] == [
        (1, (24.0, 12.0, 16.0, 24.0)), (0, (0.0, 0.0, 32.0, 24.0))
    ]
    assert task.skipped == {"b.txt:1": "class '1.5' is not a whole number"}


def test_too_many_skipped_quotes_the_first_reasons() -> None:
    skipped = {f"f{i}.txt:1": f"reason {i}" for i in range(5)}
    assert first_reasons(skipped) == "first skipped: f0.txt:1: reason 0; f1.txt:1: reason 1; f2.txt:1: reason 2; and 2 more"
    assert first_reasons({}) == ""


# ---- 4. exit 2 with one line for every malformed input --------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_deeply_nested_selection_config(tmp_path: Path, csv_input: Path, suffix: str) -> None:
    config = tmp_path / f"deep{suffix}"
    config.write_text("[" * 20_000 + "]" * 20_000)
    _one_line_error(["select", csv_input, "-n", "3", "--selection-config", config, "--out", tmp_path / "s.txt"],
                    str(config), "nested too deeply")


def test_deeply_nested_json_lines_metadata(tmp_path: Path, csv_input: Path) -> None:
    meta = tmp_path / "meta.jsonl"
    meta.write_text('{"filename": "img_001.jpg", "a": ' + '{"b": ' * 3000 + "1" + "}" * 3000 + "}\n")
    _one_line_error(["select", csv_input, "-n", "3", "--metadata", meta, "--out", tmp_path / "s.txt"],
                    str(meta), "line 1", "nested too deeply")


def test_negative_seed(tmp_path: Path, csv_input: Path) -> None:
    _one_line_error(["select", csv_input, "-n", "3", "--seed", "-1", "--out", tmp_path / "s.txt"], "--seed")


def test_value_beyond_float32_names_the_cell_without_a_warning(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_text("filenames,embedding_0,embedding_1\na,1,2\nb,3,1e300\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _one_line_error(["select", big, "-n", "1", "--out", tmp_path / "s.txt"], str(big),
                        "row 2 (line 3), sample 'b', column 'embedding_1': 1e+300 is beyond the float32 range")


def test_parquet_embedding_list_of_strings_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "strings.parquet"
    pq.write_table(pa.table({"filenames": ["a", "b"], "embedding": [["1", "2"], ["3", "4"]]}), path)
    _one_line_error(["select", path, "-n", "1", "--out", tmp_path / "s.txt"], str(path),
                    "column 'embedding' must be a list of numbers, got a list of string")


def _image_folder(root: Path, n: int) -> Path:
    rng = np.random.default_rng(8)
    root.mkdir()
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)).save(root / f"im{i}.png")
    return root


def test_malformed_coco_fails_before_any_image_is_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import embedscope.embed.image_folder_embedding as embedding

    def no_embedding(*args: object, **kwargs: object) -> None:
        raise AssertionError("images were embedded before the side files were checked")

    monkeypatch.setattr(embedding, "embed_image_files", no_embedding)
    images = _image_folder(tmp_path / "images", 3)
    coco = tmp_path / "det.json"
    coco.write_text('{"images": [], "annotations": [')
    _one_line_error(["run", images, "-n", "1", "--coco", coco, "--out", tmp_path / "out"], str(coco), "malformed JSON")
    coco.write_text("[" * 50_000)
    _one_line_error(["run", images, "-n", "1", "--coco", coco, "--out", tmp_path / "out"], str(coco))
    os.chmod(tmp_path, 0o555)
    try:
        if not os.access(tmp_path, os.W_OK):  # root writes anywhere: then the check cannot be shown
            _one_line_error(["run", images, "-n", "1", "--out", tmp_path / "out"], str(tmp_path))
    finally:
        os.chmod(tmp_path, 0o755)


def test_folder_with_one_good_image_names_the_folder(tmp_path: Path) -> None:
    images = _image_folder(tmp_path / "images", 1)
    (images / "junk.jpg").write_bytes(b"not an image")
    _one_line_error(["run", images, "-n", "1", "--out", tmp_path / "out"], str(images), "1 usable image(s) (1 corrupt")


# ---- 5. per-file faults are never silent ------------------------------------------------------------------------


def test_broken_links_and_link_loops_are_listed_as_corrupt(tmp_path: Path) -> None:
    images = _image_folder(tmp_path / "images", 2)
    os.symlink("gone.png", images / "broken.png")
    os.symlink("loop.png", images / "loop.png")
    os.symlink("im0.png", images / "link_to_im0.png")
    scan = scan_image_folder(images)
    assert scan.names == ["im0.png", "im1.png"] and scan.duplicates == {"link_to_im0.png": "im0.png"}
    assert scan.corrupt == {
        "broken.png": "broken symbolic link (its target 'gone.png' does not exist)",
        "loop.png": "symbolic link loop (the link leads back to itself)",
    }


def test_a_large_valid_image_is_not_corrupt_and_warns_nothing(tmp_path: Path) -> None:
    images = _image_folder(tmp_path / "images", 1)
    Image.new("1", (12_000, 8_000)).save(images / "panorama.png")  # 96 Mpx > Pillow's 89 Mpx bomb warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scan = scan_image_folder(images)
    assert scan.names == ["im0.png", "panorama.png"] and not scan.corrupt


def test_input_file_error_names_the_file() -> None:
    assert str(InputFileError(Path("x.csv"), "bad")) == "x.csv: bad"


def test_a_broken_link_to_a_video_is_found_and_reported(tmp_path: Path) -> None:
    from embedscope.ingest.video_frames import DecodeState, decoded_frames, find_video_files

    os.symlink("gone.mp4", tmp_path / "clip.mp4")
    assert find_video_files(tmp_path) == ["clip.mp4"]
    state = DecodeState()
    assert list(decoded_frames(tmp_path / "clip.mp4", state)) == []
    assert state.open_error == "broken symbolic link (its target 'gone.mp4' does not exist)"


def test_selected_list_and_datapool_are_checked_before_embedding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import embedscope.embed.image_folder_embedding as embedding

    def no_embedding(*args: object, **kwargs: object) -> None:
        raise AssertionError("images were embedded before the side files were checked")

    monkeypatch.setattr(embedding, "embed_image_files", no_embedding)
    images = _image_folder(tmp_path / "images", 3)
    selected = tmp_path / "sel.txt"
    selected.write_bytes(b"im0.png\nim\xff1.png\n")
    _one_line_error(["report", images, "--selected", selected, "--out", tmp_path / "out"], str(selected), "line 2")
    pool = tmp_path / "pool.csv"
    pool.write_text("filenames,embedding_0\np,nan\n")
    _one_line_error(["run", images, "-n", "1", "--datapool", pool, "--out", tmp_path / "out"], str(pool), "NaN")
