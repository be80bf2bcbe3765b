"""``genforge snapshot build``, ``genforge snapshot verify`` and ``genforge export-scan``: parse, call, print."""

from __future__ import annotations

from pathlib import Path

import click

from genforge.folders import SNAPSHOT, locate, say_found
from genforge.progress import make_progress, progress_options

# The snapshot modules (numpy, jsonschema, the engine) are imported inside the commands, so that
# registering them costs `genforge --help` nothing.


def _task_list(text):
    if text is None:
        return None
    return [name.strip() for name in text.split(",") if name.strip()]


@click.group("snapshot")
def snapshot_group():
    """Build and verify benchmark snapshots (a suite of tasks with checksums and cards)."""


@snapshot_group.command("build")
@click.argument("suite")
@click.option("--out", required=True, type=click.Path(), help="Snapshot folder to create.")
@click.option("--tasks", default=None, metavar="A,B", help="Build only these tasks of the suite.")
@click.option("--workers", default=1, type=int, show_default=True, help="Processes; output is identical for any N.")
@click.option("--overwrite", is_flag=True, help="Replace an existing snapshot folder.")
@click.option("--max-bytes", default=None, type=int, metavar="N",
              help="Refuse (before writing) a snapshot whose data would exceed N bytes; stop if it does.")
@progress_options
def build_command(suite, out, tasks, workers, overwrite, max_bytes, progress_mode, quiet):
    """Build SUITE ('default' or a YAML/JSON suite file) into the folder OUT."""
    from genforge.snapshot.build import build_snapshot
    from genforge.snapshot.suite import load_suite

    resolved = load_suite(suite, tasks=_task_list(tasks))
    progress = make_progress(progress_mode, quiet)
    try:
        manifest = build_snapshot(resolved, out, workers=workers, overwrite=overwrite, max_bytes=max_bytes,
                                  progress=progress,
                                  note=lambda message: click.echo(f"genforge: note: {message}", err=True))
    finally:
        progress.done()
    for entry in manifest["tasks"]:
        sizes = ", ".join(f"{split['name']} {split['size']:,}" for split in entry["splits"])
        click.echo(f"{Path(out) / entry['task']}: {sizes}")
    data = [entry for entry in manifest["files"] if entry["split"] is not None]
    click.echo(f"{Path(out)}: {len(manifest['files'])} files, {sum(e['records'] for e in data):,} records; "
               f"{manifest['canary']}")


@snapshot_group.command("verify")
@click.argument("folder", type=click.Path())
@click.option("--regenerate", is_flag=True, help="Also rebuild every file from the manifest and compare bytes.")
@click.option("--workers", default=1, type=int, show_default=True, help="Processes for --regenerate.")
def verify_command(folder, regenerate, workers):
    """Check FOLDER's files against its manifest (exit 1 on any difference).

    FOLDER is a snapshot, a task folder or a folder of task folders; a
    snapshot's card and exports are checked too.
    """
    from genforge.snapshot.task_folders import compare_task_folder_with_rebuild, verify_task_folder
    from genforge.snapshot.verify import verify_snapshot

    location = locate(folder)
    if location.kind != SNAPSHOT:
        parts = [verify_task_folder(task_folder) for task_folder in location.task_folders]
        if regenerate:
            for task_folder in location.task_folders:
                compare_task_folder_with_rebuild(task_folder, workers)
        say_found(location)
        click.echo(f"checksums: {sum(p['files'] for p in parts)} files match their manifests "
                   f"({sum(p['records'] for p in parts):,} records)")
    else:
        summary = verify_snapshot(folder, regenerate=regenerate, workers=workers)
        say_found(location)
        click.echo(f"checksums: {summary['files']} files match the manifest ({summary['records']:,} records)")
    if regenerate:
        click.echo("identical")


@click.command("export-scan")
@click.argument("folder", type=click.Path(file_okay=False))
def export_scan_command(folder):
    """Write SCAN's original 'IN: ... OUT: ...' files beside the JSONL splits of FOLDER (OUT/scan)."""
    from genforge.snapshot.scan_export import write_original_format

    for path in write_original_format(Path(folder)):
        click.echo(str(path))
