"""A second thread for the independent halves of a hot path.

Private module. numpy, pandas and pyarrow release the GIL in their heavy
loops (sorting, hashing, element-wise arithmetic), so two independent array
computations on a large log run on two cores. Small inputs run inline: a
thread costs more than it saves below :data:`MIN_ROWS` rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["MIN_ROWS", "second_thread", "take"]

MIN_ROWS = 100_000

T = TypeVar("T")


class _Inline(Executor):
    """An executor that runs each task at once, in the calling thread."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # re-raised by result(), as a thread's would be
            future.set_exception(exc)
        return future


@contextmanager
def second_thread(rows: int) -> Iterator[Executor]:
    """An executor with one worker thread for ``rows`` >= MIN_ROWS, else one that runs inline.

    Tasks run in submission order; ``future.result()`` re-raises a task's
    exception in the caller.
    """
    if rows < MIN_ROWS:
        yield _Inline()
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="journeymine") as pool:
        yield pool


def take(values: Any, index: Any) -> Any:
    """``values[index]`` for numpy arrays, the two halves gathered on two threads when large."""
    import numpy as np

    if len(index) < MIN_ROWS:
        return values[index]
    out = np.empty(len(index), dtype=values.dtype)
    cut = len(index) // 2
    with second_thread(len(index)) as pool:
        first = pool.submit(np.take, values, index[:cut], out=out[:cut])
        np.take(values, index[cut:], out=out[cut:])
        first.result()
    return out
