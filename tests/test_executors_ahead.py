"""Executors that compute blocks ahead stop near the split's expected end (SplitFill.blocks_needed)."""

from __future__ import annotations

from genforge.core import executors
from genforge.core.blocks import BlockJob
from genforge.core.spec import resolve_spec


def test_dask_window_stops_near_the_expected_end_and_yields_every_block_in_order():
    submitted: list[int] = []
    consumed = [0]

    def submit(jobs):
        submitted.extend(jobs)
        return list(jobs)

    wanted = 300
    blocks = executors._windowed(submit, lambda task: [f"block {i}" for i in task], lambda task: None,
                                 lambda index: index, window_size=6,
                                 needed=lambda: max(0, wanted - consumed[0]) if consumed[0] else None)
    seen = []
    for block in blocks:
        seen.append(block)
        consumed[0] += 1
        if consumed[0] == wanted:
            break
    blocks.close()
    assert seen == [f"block {i}" for i in range(wanted)]
    # Without the estimate six tasks of up to 32 blocks would be in flight past the end.
    assert max(submitted) < wanted + wanted // 16 + 3


def test_dask_window_still_moves_when_the_estimate_is_too_low():
    blocks = executors._windowed(lambda jobs: list(jobs), lambda task: task, lambda task: None, lambda i: i,
                                 window_size=4, needed=lambda: 0)
    assert [next(blocks) for _ in range(50)] == list(range(50))
    blocks.close()


def test_local_workers_compute_few_blocks_past_the_expected_end():
    spec = resolve_spec("addition")
    made: list[int] = []

    def make_job(index):
        made.append(index)
        return BlockJob(spec, spec.key(), "train", index)

    wanted = 60
    consumed = [0]
    with executors.ProcessPool(2) as pool:
        blocks = pool.blocks(make_job, lambda: max(0, wanted - consumed[0]) if consumed[0] else None)
        for _ in range(wanted):
            next(blocks)
            consumed[0] += 1
        blocks.close()
    # Before the estimate: up to QUEUED (8) at the worker and AHEAD (32) here past the end.
    assert max(made) < wanted + wanted // 16 + 3
