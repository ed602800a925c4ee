"""What a ``.npy`` file holds, told from its first bytes and its header alone: nothing is unpickled or mapped.

A ``.npy`` file is the magic ``\\x93NUMPY``, a version, and a header that is a Python literal dict with
``descr``, ``fortran_order`` and ``shape`` (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html);
numpy parses the header with ``ast.literal_eval``, which evaluates no code. The array data follows the header;
an object array's data is a pickle, which is never read here. The problems are said in our own words, without
numpy's advice to pass ``allow_pickle``: embedscope reads numeric matrices only and never loads pickles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.lib.format as npy_format

from embedscope.errors import InputFileError

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK\x03\x04"  # a .npz archive (np.savez) is a zip file
PICKLE_PROTOCOL_2_PLUS = b"\x80"  # pickle protocols 2-5 start with the PROTO opcode
SAVE_ADVICE = "save a float32 or float64 array of shape (N, D) with np.save"
MAX_HEADER_BYTES = 10_000  # numpy's own default limit: larger headers come only from huge structured dtypes


@dataclass(frozen=True)
class NpyHeader:
    """The header of a ``.npy`` file.

    Attributes:
        shape: the array's shape.
        dtype: its dtype (may be object, structured or text: see :func:`dtype_problem`).
        data_offset: the byte where the array data starts.
    """

    shape: tuple[int, ...]
    dtype: np.dtype
    data_offset: int


def read_npy_header(path: Path) -> NpyHeader | None:
    """The header of ``path``; None for a header version numpy's public readers do not cover (3.0, used for
    non-Latin-1 field names only), left to ``np.load``.

    Raises:
        InputFileError: the file is no ``.npy`` (a ``.npz`` archive, a pickle, anything else) or its header
            cannot be read.
    """
    with open(path, "rb") as handle:
        start = handle.read(len(NPY_MAGIC))
        if start != NPY_MAGIC:
            raise InputFileError(path, _not_npy(start))
        handle.seek(0)
        try:
            version = npy_format.read_magic(handle)
            if version == (1, 0):
                shape, _, dtype = npy_format.read_array_header_1_0(handle, max_header_size=MAX_HEADER_BYTES)
            elif version == (2, 0):
                shape, _, dtype = npy_format.read_array_header_2_0(handle, max_header_size=MAX_HEADER_BYTES)
            else:
                return None
        except Exception as error:  # noqa: BLE001 - a damaged literal or dtype raises ValueError, TypeError, ...
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            if "pickle" in reason:  # numpy's advice for an oversized header is to trust the file: not ours
                reason = f"its header is longer than {MAX_HEADER_BYTES:,} bytes"
            raise InputFileError(path, f"not a readable .npy array: the header is damaged ({reason})") from None
        return NpyHeader(shape=tuple(int(n) for n in shape), dtype=np.dtype(dtype), data_offset=handle.tell())


def _not_npy(start: bytes) -> str:
    if start.startswith(ZIP_MAGIC):
        return ("is a .npz archive (np.savez), not a .npy array; save the embeddings alone with np.save, "
                "e.g. np.save('embeddings.npy', np.load('file.npz')['<name>'])")
    if start.startswith(PICKLE_PROTOCOL_2_PLUS):
        return f"holds a pickled Python object, not a .npy array (it is not loaded); {SAVE_ADVICE}"
    return f"not a .npy file (it does not start with numpy's '\\x93NUMPY' marker); {SAVE_ADVICE}"


def dtype_problem(dtype: np.dtype) -> str | None:
    """Why an array of ``dtype`` is no matrix of embeddings (None when it is real integer or float).

    Refused: object arrays (pickled Python objects), structured arrays (named fields), text, bytes, booleans,
    complex numbers, dates and time spans.
    """
    if dtype.names is not None:
        fields = ", ".join(f"'{name}'" for name in dtype.names[:4]) + (", ..." if len(dtype.names) > 4 else "")
        return (f"holds a structured array with fields {fields}, not a numeric matrix; {SAVE_ADVICE} "
                "(numpy.lib.recfunctions.structured_to_unstructured turns the fields into columns)")
    if dtype.hasobject:
        return f"holds a pickled Python object array (dtype object), not a numeric matrix; {SAVE_ADVICE}"
    if dtype.kind in "fiu":
        return None
    what = {
        "U": "text", "S": "bytes", "b": "booleans", "c": "complex numbers", "M": "dates", "m": "time spans",
    }.get(dtype.kind, "raw bytes")
    return f"holds {what} (dtype {dtype}), not a numeric matrix; {SAVE_ADVICE}"


def check_npy_header(path: Path, header: NpyHeader) -> None:
    """Refuse a ``.npy`` whose header shows it holds no usable (N, D) matrix.

    Raises:
        InputFileError: a refused dtype (:func:`dtype_problem`), not 2-D, empty, or data shorter than the
            header promises (a truncated copy).
    """
    problem = dtype_problem(header.dtype)
    if problem is not None:
        raise InputFileError(path, problem)
    if len(header.shape) != 2:
        raise InputFileError(path, f"expected a 2-D array (n_samples, dim), got shape {header.shape}")
    if header.shape[0] == 0 or header.shape[1] == 0:
        raise InputFileError(path, f"the array is empty (shape {header.shape})")
    needed = header.shape[0] * header.shape[1] * header.dtype.itemsize
    held = path.stat().st_size - header.data_offset
    if held < needed:
        raise InputFileError(
            path, f"is truncated: the header promises a {header.shape[0]} × {header.shape[1]} {header.dtype} array "
            f"({needed:,} bytes of data) but the file holds {max(held, 0):,} bytes",
        )
