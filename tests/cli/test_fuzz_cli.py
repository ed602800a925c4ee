"""Fuzz tests through the CLI (``main`` in-process): any generated embeddings file, side file and flags end
in exit 0 with a correct selection, or exit 2 with one ``embedscope: error:`` line — never a traceback — and
the inputs are unchanged."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from embedscope.io.filename_list import read_filename_list
from embedscope.io.lightly_csv import write_lightly_csv
from tests.fuzz_support import FUZZ_CLI, assert_success_or_one_line, mutated, run_main, scratch_folder

NAMES = [f"img_{i:02d}.jpg" for i in range(12)]
flags = st.lists(
    st.sampled_from(["--seed", "-n", "--proportion", "--min-distance"]).flatmap(
        lambda flag: st.tuples(st.just(flag), st.sampled_from(["-1", "0", "3", "12", "13", "0.5", "1e300", "nan", "x"]))
    ),
    max_size=3,
)


@FUZZ_CLI
@given(st.data(), flags)
def test_select_on_any_embeddings_file_and_flags(data: st.DataObject, options: list[tuple[str, str]]) -> None:
    with scratch_folder() as folder:
        source = folder / "in.csv"
        write_lightly_csv(source, NAMES, np.random.default_rng(1).normal(size=(12, 3)))
        if data.draw(st.booleans()):
            source.write_bytes(data.draw(mutated(source.read_bytes())))
        before = source.read_bytes()
        out = folder / "picked.txt"
        code, stderr = run_main(["select", str(source), "--out", str(out), "-q", *[x for pair in options for x in pair]])
        assert_success_or_one_line(code, stderr)
        assert source.read_bytes() == before
        if code == 0:
            picked = read_filename_list(out)
            assert len(set(picked)) == len(picked) and 1 <= len(picked) <= 12
        else:
            assert not out.exists()


@FUZZ_CLI
@given(st.sampled_from(["--metadata", "--scores", "--predictions", "--selection-config"]), st.data())
def test_select_with_any_side_file(flag: str, data: st.DataObject) -> None:
    suffix = data.draw(st.sampled_from([".csv", ".jsonl"] if flag != "--selection-config" else [".json", ".yaml"]))
    valid = {
        "--metadata": "filename,speed\nimg_00.jpg,3\nimg_01.jpg,4\n",
        "--scores": "filename,task,score,value\nimg_00.jpg,t,s,0.5\n",
        "--predictions": "filename,task,class\nimg_00.jpg,t,car\n",
        "--selection-config": '{"n_samples": 3, "strategies": [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}}]}',
    }[flag].encode()
    with scratch_folder() as folder:
        source = folder / "in.csv"
        write_lightly_csv(source, NAMES, np.random.default_rng(2).normal(size=(12, 3)))
        side = folder / f"side{suffix}"
        side.write_bytes(data.draw(mutated(valid)))
        before = side.read_bytes()
        code, stderr = run_main(["select", str(source), "-n", "3", flag, str(side), "--out", str(folder / "o.txt"), "-q"])
        assert_success_or_one_line(code, stderr)
        assert side.read_bytes() == before
