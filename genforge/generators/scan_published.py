"""The published membership of SCAN's ``simple`` split, shipped in the package as a bitset.

Lake & Baroni (2018) released one random 80/20 split (brendenlake/SCAN,
``simple_split``): 16,728 train and 4,182 test commands. A benchmark that says
it reproduces that split must hold its membership, which no seed can redraw,
so genforge ships it: ``data/scan/simple_test_membership.bin`` has one bit per
command, over the 20,910 commands in sorted order (bit i is byte i // 8, bit
i % 8, least significant first), set for the published test commands. The
file is checked against its SHA-256 digest before use.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from typing import Iterable

MEMBERSHIP_FILE = "data/scan/simple_test_membership.bin"
MEMBERSHIP_SHA256 = "20862977f67e1b5f3510a40a02d6f87b8d083045eee3dc9d8c2204f46b07b708"
SIMPLE_TEST_SIZE = 4_182


class MembershipError(RuntimeError):
    """The shipped membership file is missing or not the published one (a broken installation)."""


def membership_bits(commands: Iterable[str], test: Iterable[str]) -> bytes:
    """The bitset of ``test`` over ``commands`` in sorted order (how the shipped file was written)."""
    ordered = sorted(commands)
    chosen = set(test)
    bits = bytearray((len(ordered) + 7) // 8)
    for index, command in enumerate(ordered):
        if command in chosen:
            bits[index // 8] |= 1 << (index % 8)
    return bytes(bits)


@lru_cache(maxsize=1)
def _shipped_bits() -> bytes:
    data = resources.files("genforge").joinpath(MEMBERSHIP_FILE).read_bytes()
    if hashlib.sha256(data).hexdigest() != MEMBERSHIP_SHA256:
        raise MembershipError(f"genforge/{MEMBERSHIP_FILE} is not the published SCAN simple split (SHA-256 "
                              f"differs from {MEMBERSHIP_SHA256}); reinstall genforge")
    return data


def simple_test_commands(commands: Iterable[str]) -> frozenset[str]:
    """The commands of ``commands`` (all 20,910 SCAN commands) in the published ``simple`` test split."""
    ordered = sorted(commands)
    bits = _shipped_bits()
    if len(bits) != (len(ordered) + 7) // 8:
        raise MembershipError(f"the shipped SCAN membership covers {len(bits) * 8} commands, not {len(ordered)}")
    chosen = frozenset(command for index, command in enumerate(ordered) if bits[index // 8] >> (index % 8) & 1)
    if len(chosen) != SIMPLE_TEST_SIZE:
        raise MembershipError(f"the shipped SCAN membership holds {len(chosen)} test commands, not {SIMPLE_TEST_SIZE}")
    return chosen
