"""Shared by the snapshot tests: a small two-task suite and a CLI runner."""

from pathlib import Path

import click
from click.testing import CliRunner

from genforge.cli import main
from genforge.snapshot.build import build_snapshot
from genforge.snapshot.suite import load_suite

#: rewrite + markov at sizes that build in about a second.
SMALL_SUITE = {
    "name": "small-test-suite",
    "description": "rewrite and markov at test sizes",
    "seed": 3,
    "defaults": {"sizes": {"train": 60, "*": 20}},
    "tasks": [{"task": "rewrite"}, {"task": "markov", "sizes": {"test_id": 15}}],
}


def build_small(folder: Path, **options) -> dict:
    return build_snapshot(load_suite(SMALL_SUITE), folder, **options)


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def _main_command(ctx):
    main(list(ctx.args))


def run_cli(args):
    """`genforge ARGS` through main(): the exit code and messages a user sees."""
    return CliRunner().invoke(_main_command, [str(arg) for arg in args])


def files_of(folder: Path) -> dict:
    """Relative path -> bytes of every file under folder."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}
