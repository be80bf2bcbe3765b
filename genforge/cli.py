"""The ``genforge`` command: parse, call the API, print. No logic of its own.

Each command imports what it needs when it runs (the API, the engine, numpy, jsonschema), so that
``genforge --help`` and ``genforge list`` start fast; tests/test_cli_startup.py holds this.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from genforge.cli_errors import describe as describe_error
from genforge.core.errors import GenforgeError, UsageError
from genforge.folders import locate, say_found
from genforge.progress import make_progress, progress_options
from genforge.python_names import cli_call


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} {value!r} is not KEY=VALUE")
        if key.strip() in pairs:
            raise UsageError(f"{option} names {key.strip()!r} twice")
        pairs[key.strip()] = text
    return pairs


def _typed_params(task: str, raw: dict[str, str]) -> dict:
    from genforge.core.params import parse_cli_value
    from genforge.core.registry import get_task

    schema = get_task(task).parameters
    return {name: parse_cli_value(name, text, schema[name]) if name in schema else text for name, text in raw.items()}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="genforge")
@click.pass_context
def cli(context):
    """genforge: synthetic benchmarks with controlled train/test splits."""
    # Errors name the CLI's flags while a command runs (the API translates them for Python callers).
    context.with_resource(cli_call())


@cli.command("list")
def list_command():
    """List installed tasks."""
    from genforge.task_list import list_tasks

    for task in list_tasks():
        click.echo(f"{task['name']:<18} {task['version']:<6} {task['summary']}")


@cli.command()
@click.argument("task")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def describe(task, as_json):
    """Parameters (defaults, ranges) and split plans of TASK."""
    from genforge import api

    info = api.describe(task)
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    click.echo(f"{info['name']} {info['version']}: {info['summary']}\n\nparameters:")
    for name, schema in info["parameters"].items():
        allowed = []
        if "enum" in schema:
            allowed.append("one of " + ", ".join(map(str, schema["enum"])))
        if "items" in schema and "enum" in schema["items"]:
            allowed.append("items from " + ", ".join(map(str, schema["items"]["enum"])))
        if "minimum" in schema or "maximum" in schema:
            allowed.append(f"{schema.get('minimum', '-inf')}..{schema.get('maximum', 'inf')}")
        range_text = f" [{'; '.join(allowed)}]" if allowed else ""
        click.echo(f"  {name} = {json.dumps(schema.get('default'))} ({schema.get('type')}){range_text}")
        click.echo(f"      {schema.get('description', '')}")
    click.echo(f"\nsplit plans (default: {info['default_split_plan']}):")
    for name, plan in info["split_plans"].items():
        click.echo(f"  {name}: {plan['description']}")
        for split in plan["splits"]:
            size = "all" if split["size"] is None else f"{split['size']:,}"
            click.echo(f"      {split['name']:<22} {size:>9}  [{split['shift']}] {split['description']}")
    click.echo("\ngeneric split plans (any task):")
    for name, text in info["generic_split_plans"].items():
        click.echo(f"  {name}: {text}")


@cli.command()
@click.argument("task")
@click.option("--out", required=True, type=click.Path(file_okay=True, dir_okay=True), help="Output folder; files go to OUT/TASK/.")
@click.option("--split-plan", default=None, help="Split plan (see 'genforge describe TASK').")
@click.option("--size", "sizes", multiple=True, metavar="SPLIT=N", help="Records in a split (repeatable).")
@click.option("--param", "params", multiple=True, metavar="K=V", help="Task parameter (repeatable).")
@click.option("--seed", default=0, type=int, show_default=True, help="Seed of the run.")
@click.option("--workers", default=1, type=int, show_default=True, help="Processes; output is identical for any N.")
@click.option("--overwrite", is_flag=True, help="Replace an existing OUT/TASK folder.")
@click.option("--trace", is_flag=True, help="Write intermediate steps in each record's 'trace'.")
@click.option("--allow-repeats", is_flag=True, help="Allow duplicate inputs within a split.")
@click.option("--difficulty-range", default=None, metavar="LOW:HIGH",
              help="Keep only records with meta.difficulty in [LOW, HIGH] (e.g. 0:0.3), in every split.")
@click.option("--plan-option", "plan_options", multiple=True, metavar="K=V",
              help="Option of the mcd / easy_to_hard plans, e.g. max_atom_divergence=0.02 (repeatable).")
@click.option("--shard-size", default=None, type=int, metavar="N",
              help="Write each split as shards of at most N records (SPLIT-00000-of-0000K.jsonl).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run blocks on a Dask cluster: a scheduler address, or 'local' for --workers local processes.")
@click.option("--resume", is_flag=True,
              help="Continue a killed run of the same request from its last checkpoint (same bytes).")
@click.option("--max-bytes", default=None, type=int, metavar="N",
              help="Refuse (before writing) a request whose files would exceed N bytes; stop if they do.")
@click.option("--memory-budget", default=None, metavar="SIZE",
              help="Memory for the dedup digests, e.g. 512M or 4G (default 512M); beyond it they spill to disk.")
@progress_options
def generate(task, out, split_plan, sizes, params, seed, workers, overwrite, trace, allow_repeats,
             difficulty_range, plan_options, shard_size, scheduler, resume, max_bytes, memory_budget, progress_mode,
             quiet):
    """Generate the splits of TASK into OUT/TASK/ with a manifest.

    Besides the task's own plans, --split-plan mcd (maximum compound divergence) and
    easy_to_hard work for every task.
    """
    from genforge import api
    from genforge.science.difficulty import parse_range

    progress = make_progress(progress_mode, quiet)
    try:
        manifest = api.generate(
            task, out, split_plan=split_plan, sizes=_pairs(sizes, "--size"),
            params=_typed_params(task, _pairs(params, "--param")), seed=seed, workers=workers,
            overwrite=overwrite, trace=trace, allow_repeats=allow_repeats, progress=progress,
            difficulty_range=None if difficulty_range is None else parse_range(difficulty_range),
            plan_options=_pairs(plan_options, "--plan-option"), shard_size=shard_size, scheduler=scheduler,
            resume=resume, max_bytes=max_bytes, note=lambda message: click.echo(f"genforge: note: {message}", err=True),
            memory_budget=memory_budget,
        )
    finally:
        progress.done()
    folder = Path(out) / task
    for entry in manifest["files"]:
        click.echo(f"{folder / entry['name']}: {entry['records']:,} records, sha256 {entry['sha256'][:16]}")
    click.echo(f"{folder / 'manifest.json'}")


@cli.command()
@click.argument("path", type=click.Path())
def validate(path):
    """Check every record of a JSONL file or of the task folders in PATH (and the manifests' checksums).

    PATH is a .jsonl file, a task folder, a folder of task folders or a snapshot.
    """
    from genforge.core.checking import validate_path

    if Path(path).is_file():
        summary = validate_path(path)
    else:
        location = locate(path)
        summaries = [validate_path(folder) for folder in location.task_folders]
        summary = {key: sum(part[key] for part in summaries) for key in ("files", "records")}
        say_found(location)
    click.echo(f"valid: {summary['records']:,} records in {summary['files']} file(s)")


def _run_context(task: str, manifest: Path, required: bool) -> dict:
    """params and seed of the run that wrote a file, from its manifest (empty without one)."""
    from genforge.core.checking import read_manifest

    if not manifest.is_file():
        if required:
            raise UsageError(f"manifest {str(manifest)!r} does not exist or is not a file")
        return {}
    data = read_manifest(manifest.parent) if manifest.name == "manifest.json" else None
    if data is None or data.get("task") != task:
        if required:
            raise UsageError(f"{str(manifest)!r} is not a manifest of a {task!r} run")
        return {}
    return {"params": data["params"], "seed": data["seed"]}


def _read_record(line: bytes) -> dict:
    """A JSONL line as a record with an 'input' field, or UsageError naming what is wrong."""
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    except RecursionError:
        raise UsageError(f"nested too deeply to read (the limit is Python's recursion limit, "
                         f"{sys.getrecursionlimit():,} levels)") from None
    if not isinstance(record, dict) or "input" not in record:
        raise UsageError("not a JSON object with an 'input' field")
    return record


def _error_line(record: object, number: int, message: str) -> str:
    """What --keep-going writes for a record it cannot answer: the record (or its line number) with
    ``target`` null and the ``error``, one whole JSON line."""
    out = dict(record) if isinstance(record, dict) else {}
    out.update(line=number, target=None, error=message)
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


@cli.command()
@click.argument("task")
@click.argument("file", type=click.Path())
@click.option("--check", is_flag=True, help="Compare each record's target with the oracle instead of filling it.")
@click.option("--manifest", "manifest_path", type=click.Path(), default=None,
              help="The run's manifest.json, for tasks whose answers depend on its params and seed "
                   "(two_hop, comparison); default: manifest.json next to FILE, if any.")
@click.option("--keep-going", is_flag=True,
              help="Do not stop at a record the oracle cannot answer: write it with \"target\": null, its "
                   "\"line\" and an \"error\" (with --check: report it), go on, and print the count on stderr. "
                   "Exit code 1 when any record failed (or, with --check, mismatched), else 0. Without it the "
                   "first such record stops the command (exit 2).")
def solve(task, file, check, manifest_path, keep_going):
    """Fill (or --check) the 'target' of JSONL records with TASK's oracle.

    Output is one whole JSON line per input line, written as each is solved.
    """
    from genforge import api
    from genforge.core.registry import get_task

    get_task(task)
    path = Path(file)
    if not path.is_file():
        raise UsageError(f"file {file!r} does not exist or is not a file")
    context = _run_context(task, Path(manifest_path) if manifest_path else path.parent / "manifest.json",
                           required=manifest_path is not None)
    mismatches = failures = checked = 0
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, start=1):
            checked = number
            record = None
            try:
                record = _read_record(line)
                answer = api.solve(task, record.get("instruction"), record["input"], **context)
            except UsageError as error:
                if not keep_going:
                    raise UsageError(f"{file}:{number}: {error}") from None
                failures += 1
                if check:  # next to the mismatches
                    click.echo(f"{file}:{number}: cannot be answered: {error}")
                else:  # stdout holds the records: the message goes to stderr too
                    click.echo(f"{file}:{number}: {error}", err=True)
                    click.echo(_error_line(record, number, str(error)))
                continue
            if check:
                if record.get("target") != answer:
                    mismatches += 1
                    click.echo(f"{file}:{number}: target {record.get('target')!r} != oracle {answer!r}")
            else:
                record["target"] = answer
                click.echo(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    if check and mismatches:
        click.echo(f"{mismatches} mismatching record(s)", err=True)
    if failures:
        click.echo(f"{failures} of {checked} record(s) could not be answered", err=True)
    if mismatches or failures:
        sys.exit(1)
    if check:
        click.echo(f"all {checked} targets match the oracle")


from genforge.cli_evaluate import baseline_command, evaluate_command  # noqa: E402

cli.add_command(evaluate_command)
cli.add_command(baseline_command)
from genforge.cli_evaluate import compare_command  # noqa: E402
from genforge.cli_prompts import prompts_command  # noqa: E402

cli.add_command(prompts_command)
cli.add_command(compare_command)


from genforge.cli_snapshot import export_scan_command, snapshot_group  # noqa: E402
cli.add_command(snapshot_group)
cli.add_command(export_scan_command)

from genforge.cli_science import audit_command, sweep_command  # noqa: E402
cli.add_command(audit_command)
cli.add_command(sweep_command)

from genforge.cli_models import reference_model_command  # noqa: E402
cli.add_command(reference_model_command)


def main(argv=None):
    """Entry point: any failure becomes one message on stderr and its exit code (see cli_errors)."""
    try:
        # A real command line cannot hold NUL (argv entries are C strings); a caller passing one
        # gets a message, not a ValueError from the first file-system call.
        if argv is not None and any("\x00" in str(arg) for arg in argv):
            raise UsageError("an argument contains a NUL character")
        cli.main(args=argv, prog_name="genforge", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("genforge: interrupted", err=True)
        sys.exit(130)
    except (GenforgeError, click.ClickException, OSError, RecursionError, MemoryError) as error:
        message, code = describe_error(error)
        click.echo(f"genforge: error: {message}", err=True)
        sys.exit(code)
    except KeyboardInterrupt:
        click.echo("genforge: interrupted; nothing was written", err=True)
        sys.exit(130)
    sys.exit(0)
