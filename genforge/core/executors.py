"""Where blocks run: this process, a local process pool, or a Dask cluster.

Every executor yields block results in block order, keeping a bounded window
of blocks in flight so memory stays flat. Because a block's result is a pure
function of its job, all three produce the same bytes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from itertools import count
from typing import Callable, Iterator, Optional

from genforge.core.blocks import BlockJob, PackedBlock, run_block
from genforge.core.errors import UsageError

JobMaker = Callable[[int], BlockJob]


#: At most this many consecutive blocks go to a worker as one task: fewer messages, wake-ups and
#: GIL hand-offs in the parent, which is the serial part of a parallel run.
BLOCKS_PER_TASK = 8


def _task_size(first_block: int) -> int:
    """Blocks in the task starting at ``first_block``: one at first, more as the split proves long.

    A small split (a few blocks) then computes few blocks past its end, and a
    long one soon sends BLOCKS_PER_TASK at a time.
    """
    return max(1, min(BLOCKS_PER_TASK, first_block // 8))


def run_blocks(jobs: list[BlockJob]) -> list[Optional[PackedBlock]]:
    """Several consecutive blocks in one worker task (stops after an enumeration's end)."""
    results = []
    for job in jobs:
        results.append(run_block(job))
        if results[-1] is None:
            break
    return results


def _windowed(submit: Callable[[list[BlockJob]], object], result: Callable[[object], list],
              cancel: Callable[[object], None], make_job: JobMaker, window_size: int) -> Iterator[Optional[PackedBlock]]:
    """Block results in order, with ``window_size`` tasks of blocks in flight."""
    window: deque = deque()
    next_index = 0
    try:
        while True:
            while len(window) < window_size:
                size = _task_size(next_index)
                window.append(submit([make_job(next_index + i) for i in range(size)]))
                next_index += size
            yield from result(window.popleft())
    finally:
        for future in window:
            cancel(future)


class InProcess:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def blocks(self, make_job: JobMaker) -> Iterator[Optional[PackedBlock]]:
        for index in count():
            yield run_block(make_job(index))


def _exit_with_parent(parent: int) -> None:
    """Pool initializer: end this worker when its parent is gone.

    A parent killed outright (SIGKILL) cannot shut its pool down, and workers
    blocked on the job queue would live on, holding memory and the inherited
    output lock; a watchdog thread notices the new parent and exits.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="genforge-parent-watchdog").start()


class ProcessPool:
    """``--workers N`` on one machine (fork: workers inherit the loaded tasks)."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool: Optional[ProcessPoolExecutor] = None

    def __enter__(self):
        # Objects that exist now are shared with the forked workers page by page; frozen, the
        # collector no longer walks them (writing to them, so copying their pages) in any
        # process. Unfrozen when the pool is done.
        gc.freeze()
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("fork"),
                                         initializer=_exit_with_parent, initargs=(os.getpid(),))
        # With fork, the first job starts every worker: do it now, before the engine opens the
        # output lock and staging files, so that workers do not inherit them.
        self._pool.submit(int).result()
        return self

    def __exit__(self, *exc):
        self._pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()

    def blocks(self, make_job: JobMaker) -> Iterator[Optional[PackedBlock]]:
        return _windowed(lambda jobs: self._pool.submit(run_blocks, jobs), lambda f: f.result(),
                         lambda f: f.cancel(), make_job, 3 * self.workers)


class DaskCluster:
    """``--scheduler ADDRESS`` (or ``local``): blocks are Dask tasks; the bytes stay the same."""

    def __init__(self, scheduler: str, workers: int):
        self.scheduler = scheduler
        self.workers = workers
        self._client = None
        self._cluster = None

    def __enter__(self):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise UsageError("--scheduler needs Dask: pip install 'genforge[dask]'") from None
        try:
            if self.scheduler == "local":
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None)
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as error:
            self.__exit__()
            raise UsageError(f"cannot reach the Dask scheduler {self.scheduler!r}: {error}") from None
        return self

    def __exit__(self, *exc):
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def blocks(self, make_job: JobMaker) -> Iterator[Optional[PackedBlock]]:
        threads = sum(self._client.nthreads().values()) or 1
        return _windowed(lambda jobs: self._client.submit(run_blocks, jobs, pure=False), lambda f: f.result(),
                         lambda f: f.cancel(), make_job, 3 * threads)


def executor_for(workers: int, scheduler: Optional[str]):
    if scheduler:
        return DaskCluster(scheduler, workers)
    return ProcessPool(workers) if workers > 1 else InProcess()
