"""``genforge reference-model``: a small Transformer or LSTM trained on a generated folder (the 'models' extra).

PyTorch is imported only when the command runs, so ``genforge --help`` and
every other command work without it.
"""

from __future__ import annotations

import click

from genforge.progress import progress_options


@click.command("reference-model")
@click.argument("folder", type=click.Path())
@click.option("--arch", type=click.Choice(["transformer", "lstm"]), default="transformer", show_default=True,
              help="Sequence-to-sequence architecture.")
@click.option("--epochs", type=int, default=10, show_default=True,
              help="Most passes over train; fewer when validation loss stops improving (see --patience).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seeds weights, batch order and dropout.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), metavar="PRED.jsonl",
              help="Predictions file for 'genforge evaluate' (id, digest, prediction per line).")
@click.option("--task", "tasks", multiple=True, metavar="NAME",
              help="Only this task of the folder (repeatable). Default: every task, one model each.")
@click.option("--width", type=int, default=128, show_default=True, help="Model width (embedding and hidden size).")
@click.option("--heads", type=int, default=4, show_default=True, help="Attention heads (transformer).")
@click.option("--layers", type=int, default=2, show_default=True, help="Encoder layers, and as many decoder layers.")
@click.option("--dropout", type=click.FloatRange(0, 0.9), default=0.1, show_default=True, help="Dropout rate.")
@click.option("--batch-size", type=int, default=64, show_default=True, help="Examples per step.")
@click.option("--learning-rate", type=click.FloatRange(min=0, min_open=True), default=5e-4, show_default=True,
              help="Adam learning rate.")
@click.option("--patience", type=int, default=3, show_default=True,
              help="Stop after this many epochs without a better validation loss.")
@click.option("--max-length", type=int, default=512, show_default=True,
              help="Longest source/target in tokens: longer training examples are left out, longer test inputs cut.")
@click.option("--tokens", type=click.Choice(["auto", "words", "chars", "symbols"]), default="auto",
              show_default=True, help="Tokenization; auto = per task (see the reference models docs).")
@click.option("--threads", type=int, default=1, show_default=True,
              help="CPU threads for PyTorch (on a busy machine more threads can be much slower).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="auto = a CUDA GPU when PyTorch sees one, else the CPU.")
@progress_options
def reference_model_command(folder, arch, epochs, seed, out, tasks, width, heads, layers, dropout, batch_size,
                            learning_rate, patience, max_length, tokens, threads, device, progress_mode, quiet):
    """Train a reference model on FOLDER's train split(s) and write predictions for every other split.

    One model per task (a task folder, a folder of task folders or a snapshot).
    Score the output with 'genforge evaluate PRED.jsonl --snapshot FOLDER'.
    Needs the 'models' extra (PyTorch).
    """
    from genforge.folders import locate, say_found
    from genforge.models import require_torch
    from genforge.models.settings import Settings

    require_torch()
    location = locate(folder)
    settings = Settings(arch=arch, epochs=epochs, seed=seed, width=width, heads=heads, layers=layers,
                        dropout=dropout, batch_size=batch_size, learning_rate=learning_rate, patience=patience,
                        max_length=max_length, tokens=tokens, threads=threads, device=device)
    from genforge.models.run import run

    say = (lambda text: None) if quiet or progress_mode == "none" else (lambda text: click.echo(text, err=True))
    run(folder, out, settings, tuple(tasks), "none" if quiet else progress_mode, say)
    say_found(location)
    click.echo(f"wrote {out}; score it with: genforge evaluate {out} --snapshot {folder}")
