"""Ray task errors turned back into embedscope's own: a task that raised an :class:`EmbedscopeError` (a bad value
in a block of the input) surfaces as that error, so the CLI prints its one line as the local engine would."""

from __future__ import annotations

from typing import Any


def get_unwrapped(refs: list[Any]) -> list[Any]:
    """``ray.get(refs)``, re-raising the :class:`~embedscope.errors.EmbedscopeError` a task raised (Ray wraps it
    in a ``RayTaskError`` whose message carries the task's traceback).

    Raises:
        EmbedscopeError: the first task error that is one; other task errors as Ray raises them.
    """
    import ray

    from embedscope.errors import EmbedscopeError

    try:
        return list(ray.get(refs))
    except ray.exceptions.RayTaskError as error:
        cause = error.cause
        while isinstance(cause, ray.exceptions.RayTaskError):
            cause = cause.cause
        if isinstance(cause, EmbedscopeError):
            raise cause from None
        raise
