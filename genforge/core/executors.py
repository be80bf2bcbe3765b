"""Where blocks run: this process, local workers (with this process), or a Dask cluster.

Every executor yields block results in block order, keeping a bounded number
of blocks in flight so memory stays flat. Because a block's result is a pure
function of its job, all three produce the same bytes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from itertools import count
from typing import Callable, Iterator, Optional

from genforge.core.blocks import BlockJob, Block, run_block
from genforge.core.errors import UsageError, WorkerLost

JobMaker = Callable[[int], BlockJob]


#: At most this many consecutive blocks go to a Dask worker as one task: fewer messages and
#: round trips through the scheduler.
BLOCKS_PER_TASK = 32

#: How many more blocks a split needs, as its fill estimates (None: unknown); see SplitFill.blocks_needed.
Needed = Callable[[], Optional[int]]


def _no_estimate() -> Optional[int]:
    return None


def _ahead_limit(consumed: int, needed: Needed) -> Optional[int]:
    """The first block index not worth computing yet: a sixteenth (and two blocks) past the fill's
    estimate of the split's end, counted from the blocks consumed so far (None: no limit)."""
    estimate = needed()
    return None if estimate is None else consumed + estimate + estimate // 16 + 2


def _task_size(first_block: int, limit: Optional[int] = None) -> int:
    """Blocks in the task starting at ``first_block``: one at first, more as the split proves long,
    never past ``limit`` (the split's expected end; at least one block).

    A small split (a few blocks) then computes few blocks past its end, and a
    long one soon sends BLOCKS_PER_TASK at a time.
    """
    size = max(1, min(BLOCKS_PER_TASK, first_block // 8))
    return size if limit is None else max(1, min(size, limit - first_block))


def run_blocks(jobs: list[BlockJob]) -> list[Optional[Block]]:
    """Several consecutive blocks in one worker task (stops after an enumeration's end)."""
    results = []
    for job in jobs:
        results.append(run_block(job))
        if results[-1] is None:
            break
    return results


def _windowed(submit: Callable[[list[BlockJob]], object], result: Callable[[object], list],
              cancel: Callable[[object], None], make_job: JobMaker, window_size: int,
              needed: Needed = _no_estimate) -> Iterator[Optional[Block]]:
    """Block results in order, with up to ``window_size`` tasks of blocks in flight (Dask), not
    past the split's expected end unless nothing else is in flight."""
    window: deque = deque()
    next_index = consumed = 0
    try:
        while True:
            limit = _ahead_limit(consumed, needed)
            while len(window) < window_size and (not window or limit is None or next_index < limit):
                size = _task_size(next_index, limit)
                window.append(submit([make_job(next_index + i) for i in range(size)]))
                next_index += size
            for block in result(window.popleft()):
                consumed += 1
                yield block
    finally:
        for future in window:
            cancel(future)


class InProcess:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def blocks(self, make_job: JobMaker, needed: Needed = _no_estimate) -> Iterator[Optional[Block]]:
        for index in count():
            yield run_block(make_job(index))


def _exit_with_parent(parent: int) -> None:
    """In a local worker: end it when its parent is gone.

    A parent killed outright (SIGKILL) cannot stop its workers, and workers
    blocked on their connection would live on, holding memory and the
    inherited output lock; a watchdog thread notices the new parent and exits.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="genforge-parent-watchdog").start()


class _Failure:
    """A worker's exception, sent back so the parent raises it (a block result is never one)."""

    def __init__(self, error: BaseException):
        self.error = error


def _worker_loop(connection, parent: int) -> None:
    """A local worker: run each job received, send its result back, until told to stop (None)."""
    _exit_with_parent(parent)
    while True:
        job = connection.recv()
        if job is None:
            return
        try:
            result = run_block(job)
        except BaseException as error:  # the parent raises it; this worker is done
            connection.send(_Failure(error))
            return
        connection.send(result)


#: Overrides the start method of local workers (fork, spawn or forkserver); see start_method().
START_METHOD_ENV = "GENFORGE_START_METHOD"


def start_method() -> str:
    """How local workers start: ``fork`` on Linux (fastest: workers inherit loaded tasks and enumerations),
    ``spawn`` elsewhere (macOS's fork is unsafe with threads; Windows has no fork).

    ``GENFORGE_START_METHOD`` chooses another; the bytes are the same, since a job
    carries the whole request and a spawned worker rebuilds what it needs from it.
    """
    chosen = os.environ.get(START_METHOD_ENV, "").strip()
    available = multiprocessing.get_all_start_methods()
    if chosen:
        if chosen not in available:
            raise UsageError(f"{START_METHOD_ENV} = {chosen!r} is not allowed here: expected one of "
                             f"{', '.join(available)}")
        return chosen
    return "fork" if sys.platform.startswith("linux") and "fork" in available else "spawn"


class ProcessPool:
    """``--workers N`` on one machine: N - 1 worker processes, and this process computes blocks too.

    Each worker keeps ``QUEUED`` jobs at hand on its own connection; this
    process takes results in block order and, whenever the next one is not
    there yet, computes the next unassigned block itself (up to ``AHEAD``
    blocks ahead) instead of waiting. So N processes share N cores, no core
    idles while this one merges and writes, and each side's share adapts to
    the task. Block results are pure functions of their index: the bytes are
    those of one process. Forked workers inherit the loaded tasks and any
    primed enumeration; spawned ones rebuild them from the first job.
    """

    QUEUED = 8
    AHEAD = 32

    def __init__(self, workers: int):
        self.workers = workers - 1
        self._connections: list = []
        self._processes: list = []
        self._outstanding: list[deque] = []

    def __enter__(self):
        # Objects that exist now are shared with the forked workers page by page; frozen, the
        # collector no longer walks them (writing to them, so copying their pages) in any
        # process. Unfrozen when the workers are done. Workers fork now, before the engine
        # opens the output lock and staging files, so that they do not inherit them.
        gc.freeze()
        context = multiprocessing.get_context(start_method())
        for _ in range(self.workers):
            mine, theirs = context.Pipe(duplex=True)
            process = context.Process(target=_worker_loop, args=(theirs, os.getpid()), daemon=True,
                                      name="genforge-worker")
            process.start()
            theirs.close()
            self._connections.append(mine)
            self._processes.append(process)
            self._outstanding.append(deque())
        return self

    def __exit__(self, *exc):
        for connection in self._connections:
            try:
                connection.send(None)
            except OSError:
                pass
        for process in self._processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join()
        for connection in self._connections:
            connection.close()
        gc.unfreeze()

    def _receive(self, number: int) -> tuple[int, Optional[Block]]:
        """The oldest outstanding result of worker ``number`` (its block index, the result)."""
        try:
            result = self._connections[number].recv()
        except (EOFError, OSError):
            raise WorkerLost(f"a worker process ended unexpectedly (exit code {self._processes[number].exitcode}); "
                             "the run so far is kept: run the same command with --resume to continue it") from None
        if isinstance(result, _Failure):
            raise result.error
        return self._outstanding[number].popleft(), result

    def blocks(self, make_job: JobMaker, needed: Needed = _no_estimate) -> Iterator[Optional[Block]]:
        results: dict[int, Optional[Block]] = {}  # received or computed here, not yet yielded
        at_worker: dict[int, int] = {}  # block index -> the worker computing it
        next_index = wanted = 0
        try:
            while True:
                limit = _ahead_limit(wanted, needed)
                for number, connection in enumerate(self._connections):
                    while len(self._outstanding[number]) < self.QUEUED and (limit is None or next_index < limit):
                        try:
                            connection.send(make_job(next_index))
                        except OSError:  # the worker is gone: report why (its failure, or its end)
                            while True:
                                self._receive(number)
                        self._outstanding[number].append(next_index)
                        at_worker[next_index] = number
                        next_index += 1
                    while self._outstanding[number] and connection.poll():
                        index, result = self._receive(number)
                        results[index] = result
                        del at_worker[index]
                if wanted in results:
                    yield results.pop(wanted)
                    wanted += 1
                elif next_index == wanted or (len(results) < self.AHEAD and (limit is None or next_index < limit)):
                    results[next_index] = run_block(make_job(next_index))
                    next_index += 1
                else:  # far enough ahead: wait for the worker that has the next block
                    index, result = self._receive(at_worker[wanted])
                    results[index] = result
                    del at_worker[index]
        finally:
            # Take in what the workers still compute, so that they are idle for the next split.
            for number in range(len(self._connections)):
                while self._outstanding[number]:
                    try:
                        self._receive(number)
                    except BaseException:
                        self._outstanding[number].clear()


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

    def blocks(self, make_job: JobMaker, needed: Needed = _no_estimate) -> Iterator[Optional[Block]]:
        threads = sum(self._client.nthreads().values()) or 1
        return _windowed(lambda jobs: self._client.submit(run_blocks, jobs, pure=False), lambda f: f.result(),
                         lambda f: f.cancel(), make_job, 3 * threads, needed)


def executor_for(workers: int, scheduler: Optional[str]):
    if scheduler:
        return DaskCluster(scheduler, workers)
    return ProcessPool(workers) if workers > 1 else InProcess()
