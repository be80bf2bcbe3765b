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
    "addition": ("1.2", "74a0d6fe9dceb51b54758411362c07dd215a28dbe62dab8eeeec8ea8bc3cb1a7"),
    "algorithmic": ("1.2", "46a29c3e1ad5bfaf09581ca4ee1c2cf99b3ea64bb92b77a917d640b95a7bbccb"),
    "cogs": ("1.0", "144231213029a0dada0c3e137b2277a1504b6cb2f6ff5c7171d546e4d6ab4c4e"),
    "comparison": ("1.2", "8ff405f33046ee7b1a7b2b9717494a0a7896f0450d83ecb268d6f291a2ce554b"),
    "hint": ("1.3", "9429454425f9bef64d2c6e9d69080cf8f721ce88b65696f78a4d5e373530b5c8"),
    "kinship": ("1.1", "32e11cfb7675c30695b380bc40580bf1e6bb3e2dc179e273b65b3047f6392e39"),
    "markov": ("1.2", "3db886beae3798d5f9d29b0d7c70e7cae006c7e3492ef8d7996108fcf7337b91"),
    "multiplication": ("1.2", "a64772c33e0c9ce216c9addd13c2915d01c8ae35b14a5d9bf6c7fab4a66d4d5c"),
    "pcfg_set": ("1.3", "92ffaff60424d25ce451e18715bcc5a698b2215c84c6fe1f748ed4b52674b1f8"),
    "relation_algebra": ("1.2", "26b4b4b699392bd740e749177979415228ad2e50ba1088f13c839942c8cbfb43"),
    "rewrite": ("1.2", "0242c8f0804167b40ce9c52c513aa883d7eb3600a60b2ac855343e2a604a378f"),
    "scan": ("1.1", "c6d88df72e7c1e8ca483f9dfd474bd761dfa4e9bdad9ec4a3192620817d98035"),
    "scan_scaled": ("1.1", "401df5b17613295fa59490607b2049ce5370f67ac1fa17f7403eeb92f4e28812"),
    "symbolic": ("1.3", "b2d4538e790bb4e46b42435a42876507b04313ed2e8790ea637a7b5fb087cdb6"),
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
