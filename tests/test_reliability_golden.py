"""Every registered task's default output, pinned: same (task, version, params, seed), same bytes, forever.

For each task: its default split plan and parameters, seed 0, 50 records in
the first split and 10 in every other one. The fingerprint is the sha256 of
the lines ``<file name> <file sha256>`` of the generated files in manifest
order (the manifest itself is left out: it names the genforge version, which
may change without changing any data).

Changing a task's output requires bumping the task's ``version`` and a line
in the README changelog (see docs/sections/guarantees.md); then update its
row here. A changed fingerprint at an unchanged version is the bug this test
exists to catch.
"""

from __future__ import annotations

import hashlib

import pytest

import genforge
from genforge.core.spec import resolve_spec
from genforge.core.registry import _entry_points, get_task

#: task -> (task version, fingerprint of the small default generation)
GOLDEN = {
    "addition": ("1.1", "7617fa7757ff1738cd6190c4ea9ea8c161f03e2971ca9ab12612c451ab86ba13"),
    "algorithmic": ("1.1", "acbf6d9b5d460b96feaa08384f7e384dfb3806841ca73f188ecebdb4629beb36"),
    "cogs": ("1.0", "144231213029a0dada0c3e137b2277a1504b6cb2f6ff5c7171d546e4d6ab4c4e"),
    "comparison": ("1.2", "8ff405f33046ee7b1a7b2b9717494a0a7896f0450d83ecb268d6f291a2ce554b"),
    "hint": ("1.1", "fdd0b0de2eda995bedf6439edf2b63e4c618a3c147b0a894662c34caf0abf2d1"),
    "kinship": ("1.0", "2d0bd1263894600f52ee566b293505d2095ea6b5cf74f6e408fa4d129ad69802"),
    "markov": ("1.1", "e585260ab31dbe965cd98c71655935d2213de667c3f4b6f2950c732fa5ab750d"),
    "multiplication": ("1.1", "c2cca22936ed871f634a09aa9246c28501958e1845e291eb99d0988d32495bc7"),
    "pcfg_set": ("1.2", "d0b16171b3d7d914ef756ae51a8398ae025699159d62cabb7afdc71e8c2f8d59"),
    "relation_algebra": ("1.1", "4e55e62661f8c3ac7c4c39f438177562cd3cd569c317b4d8de1ee8b61516ed8b"),
    "rewrite": ("1.1", "609787f21e8c614e2525f224201816920f1e39b7e810bea4ec9bb34cd241fb56"),
    "scan": ("1.1", "c6d88df72e7c1e8ca483f9dfd474bd761dfa4e9bdad9ec4a3192620817d98035"),
    "scan_scaled": ("1.1", "401df5b17613295fa59490607b2049ce5370f67ac1fa17f7403eeb92f4e28812"),
    "symbolic": ("1.2", "0eb43785b258cbc1c4d7a83ad2f8f400c8df9153f6144ab8ea4cc205486917ea"),
    "two_hop": ("1.2", "b6ad7988b3d76f3a811567e51132f96ae20c80892a41bc4ad01a72d29121ff07"),
}


def fingerprint(manifest: dict) -> str:
    return hashlib.sha256("".join(f"{f['name']} {f['sha256']}\n" for f in manifest["files"]).encode()).hexdigest()


def test_every_registered_task_has_a_pinned_row():
    assert sorted(_entry_points()) == sorted(GOLDEN)


@pytest.mark.parametrize("task", sorted(GOLDEN))
def test_the_default_generation_is_pinned(tmp_path, task):
    plan = resolve_spec(task).plan()
    sizes = {split.name: 50 if index == 0 else 10 for index, split in enumerate(plan.splits)}
    manifest = genforge.generate(task, tmp_path, sizes=sizes)
    version, expected = GOLDEN[task]
    found = (get_task(task).version, fingerprint(manifest))
    if found[0] == version:
        assert found[1] == expected, (
            f"{task} {version}: the output changed without a version bump. Bump the task's version, add a "
            "changelog line to the README and update GOLDEN (see docs/sections/guarantees.md)")
    else:
        pytest.fail(f"{task}: version {found[0]} (pinned {version}); update GOLDEN to {found!r} and add the "
                    "changelog line")
