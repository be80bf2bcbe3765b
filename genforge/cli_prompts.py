"""``genforge prompts``: parse, call genforge.evaluate.prompt_files, print."""

from __future__ import annotations

import click

from genforge.choices import PROMPT_FORMATS as FORMATS
from genforge.choices import SHOT_SEED


@click.command("prompts")
@click.argument("path", type=click.Path())
@click.option("--shots", default=0, type=click.IntRange(min=0), show_default=True,
              help="Worked examples from the task's train split before each query.")
@click.option("--format", "prompt_format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="A text prompt, or chat messages (system, user, assistant).")
@click.option("--split", "splits", multiple=True, metavar="NAME",
              help="Only this split, as NAME or TASK/NAME (repeatable). Default: every split except train.")
@click.option("--seed", default=SHOT_SEED, type=int, show_default=True, help="Seed of the shot order.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Prompts file to write (JSONL).")
def prompts_command(path, shots, prompt_format, splits, seed, out):
    """Write a prompt for every record of PATH (a snapshot or generated folder).

    Each line is {"id", "digest", "task", "split", "prompt", "target", "shots"}:
    answer the prompt and write {"id", "digest", "prediction"} lines for
    'genforge evaluate' (the digest ties the prediction to this record).
    """
    from genforge.evaluate.prompt_files import write_prompts

    count = write_prompts(path, out, shots=shots, format=prompt_format, splits=splits or None, seed=seed)
    click.echo(f"{out}: {count:,} prompts ({shots} shot(s), {prompt_format})")
