"""Hostile input, driven by hypothesis: every case ends in one message and exit code 2, nothing written.

The CLI runs through ``genforge.cli.main`` (what the ``genforge`` command
runs; a click usage error such as a non-integer ``--seed`` counts, as it is
one message with exit code 2), the Python API through ``genforge.*`` (a
``GenforgeError`` with ``exit_code`` 2). Each kind below is one test with its
own strategy (25 examples each by default); after every example the output folder is still empty and the
fixture files are unchanged. Running as root, an unwritable folder is
simulated by paths under a file and under /proc (chmod does not stop root).

Distinct bad-input kinds tried: 54, one test each (44 through the CLI, 10
through the Python API; some tests try the kind on two commands, e.g.
``snapshot verify`` and ``audit`` of a missing folder).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import genforge
from genforge.cli import main
from genforge.core.errors import GenforgeError
from genforge.core.registry import get_task, task_names

TASKS = task_names()
REWRITE = get_task("rewrite")
INT_PARAMS = sorted(n for n, s in REWRITE.parameters.items() if s.get("type") == "integer" and "maximum" in s)
SMALL = ["--size", "train=20", "--size", "validation=5", "--size", "test_id=5", "--size", "test_ood_instruction=5"]

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)
words = st.text(string.ascii_letters + "_-.é∑λ ", min_size=1, max_size=16)
no_digits = st.text(string.ascii_letters + string.punctuation.replace("=", "") + " é", min_size=1, max_size=12)
huge = st.integers(min_value=10**13, max_value=10**40)
negative = st.integers(max_value=-1)

#: Examples per kind; GENFORGE_FUZZ_EXAMPLES=500 for a longer hunt.
FUZZ = settings(max_examples=int(os.environ.get("GENFORGE_FUZZ_EXAMPLES", "25")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz-fixtures")
    (root / "afile").write_text("just text\n")
    genforge.generate("rewrite", root / "gen", sizes={"train": 20, "validation": 5, "test_id": 5,
                                                       "test_ood_instruction": 5})
    return root


def tree(root: Path) -> list[tuple[str, str]]:
    return sorted((str(p.relative_to(root)), hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
                  for p in root.rglob("*"))


@contextlib.contextmanager
def workspace(fixtures: Path):
    """A fresh empty folder for outputs; afterwards it must still be empty and the fixtures unchanged."""
    before = tree(fixtures)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as scratch:
        yield Path(scratch)
        assert list(Path(scratch).iterdir()) == [], "something was written"
    assert tree(fixtures) == before, "a fixture file changed"


def run(args: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exit:
            code = exit.code
    return code, err.getvalue()


def refused(args: list[str]) -> str:
    code, message = run(args)
    assert code == 2, (args, code, message)
    assert "Traceback" not in message
    assert message.startswith("genforge: error: "), message  # click's usage errors too
    return message


def api_refused(call) -> None:
    with pytest.raises(GenforgeError) as error:
        call()
    assert error.value.exit_code == 2


# --- generate: task, parameters -----------------------------------------------------------------

@FUZZ
@given(name=text)
def test_unknown_task(fixtures, name):
    assume(name not in TASKS and "\x00" not in name and not name.startswith("-"))  # "-h" is an option
    with workspace(fixtures) as out:
        refused(["generate", name, "--out", out])


@FUZZ
@given(key=words)
def test_unknown_parameter_key(fixtures, key):
    assume(key.strip() and key.strip() not in REWRITE.parameters)
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--param", f"{key}=1"])


@FUZZ
@given(name=st.sampled_from(INT_PARAMS), value=no_digits)
def test_parameter_of_the_wrong_type(fixtures, name, value):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--param", f"{name}={value}"])


@FUZZ
@given(name=st.sampled_from(INT_PARAMS), value=huge)
def test_huge_parameter(fixtures, name, value):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--param", f"{name}={value}"])


@FUZZ
@given(name=st.sampled_from(INT_PARAMS), value=negative)
def test_negative_parameter(fixtures, name, value):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--param", f"{name}={value}"])


@FUZZ
@given(value=text.filter(lambda t: "=" not in t))
def test_parameter_without_equals_sign(fixtures, value):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--param", value])


@FUZZ
@given(name=st.sampled_from(INT_PARAMS), a=st.integers(1, 5), b=st.integers(1, 5))
def test_parameter_given_twice(fixtures, name, a, b):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--param", f"{name}={a}", "--param", f"{name}={b}"])


@FUZZ
@given(value=st.sampled_from(["[]", "nosuch", '["mirrored", 3]', "{}", "null"]))
def test_list_parameter_with_bad_items(fixtures, value):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--param", f"domains={value}"])


@FUZZ
@given(low=st.integers(5, 10), high=st.integers(2, 4))
def test_contradictory_parameters(fixtures, low, high):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--param", f"k_min={low}", "--param", f"k_max={high}"])


# --- generate: sizes -----------------------------------------------------------------------------

@FUZZ
@given(split=words)
def test_size_of_an_unknown_split(fixtures, split):
    assume(split.strip() and split.strip() not in ("train", "validation", "test_id", "test_ood_instruction"))
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--size", f"{split}=5"])


@FUZZ
@given(size=negative)
def test_negative_size(fixtures, size):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--size", f"train={size}"])


@FUZZ
@given(size=st.one_of(no_digits, st.floats(allow_nan=True).filter(lambda f: f != int(f) if f == f and abs(f) != float("inf") else True).map(repr)))
def test_size_that_is_not_a_whole_number(fixtures, size):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--size", f"train={size}"])


@FUZZ
@given(size=huge)
def test_huge_size(fixtures, size):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--size", f"train={size}"])


@FUZZ
@given(size=st.integers(101, 10**9))
def test_size_beyond_the_example_space(fixtures, size):
    with workspace(fixtures) as out:
        message = refused(["generate", "addition", "--out", out, "--param", "train_digits_max=1",
                           "--size", f"train={size}"])
        assert "space holds only" in message


@FUZZ
@given(a=st.integers(0, 50), b=st.integers(0, 50))
def test_size_given_twice(fixtures, a, b):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--size", f"train={a}", "--size", f"train={b}"])


# --- generate: options ---------------------------------------------------------------------------

@FUZZ
@given(seed=st.one_of(negative, st.integers(min_value=2**63)))
def test_seed_out_of_range(fixtures, seed):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--seed", seed])


@FUZZ
@given(seed=no_digits)
def test_seed_that_is_not_a_number(fixtures, seed):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--seed", seed])


@FUZZ
@given(workers=st.one_of(st.integers(max_value=0), st.integers(min_value=257)))
def test_workers_out_of_range(fixtures, workers):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--workers", workers])


@FUZZ
@given(shard=st.integers(max_value=0))
def test_shard_size_below_one(fixtures, shard):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--shard-size", shard])


@FUZZ
@given(plan=words)
def test_unknown_split_plan(fixtures, plan):
    assume(plan not in REWRITE.split_plans(genforge.api.resolve_spec("rewrite").typed())
           and plan not in ("mcd", "easy_to_hard"))
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--split-plan", plan])


@FUZZ
@given(limit=st.integers(max_value=0))
def test_max_bytes_below_one(fixtures, limit):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--max-bytes", limit])


@FUZZ
@given(limit=st.integers(1, 5000))
def test_max_bytes_below_the_estimate(fixtures, limit):
    with workspace(fixtures) as out:
        message = refused(["generate", "rewrite", "--out", out, "--max-bytes", limit])
        assert "would be about" in message


@FUZZ
@given(value=st.one_of(no_digits.filter(lambda t: ":" not in t), st.tuples(st.floats(allow_nan=True), st.floats(allow_nan=True))
                       .filter(lambda p: not (0 <= p[0] <= p[1] <= 1)).map(lambda p: f"{p[0]}:{p[1]}")))
def test_malformed_difficulty_range(fixtures, value):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--difficulty-range", value])


@FUZZ
@given(option=st.one_of(text.filter(lambda t: "=" not in t), words.map(lambda w: f"{w}=1")))
def test_malformed_or_unknown_plan_option(fixtures, option):
    assume("\x00" not in option and option.partition("=")[0].strip() not in
           ("pool_size", "max_atom_divergence", "candidates", "search_seed"))
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--split-plan", "mcd", "--plan-option", option])


@FUZZ
@given(option=st.sampled_from(["--resume", "--max-bytes=1000000"]))
def test_resume_or_max_bytes_with_a_science_plan(fixtures, option):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", out, "--split-plan", "easy_to_hard", option])


# --- paths ---------------------------------------------------------------------------------------

@FUZZ
@given(below=st.lists(st.text(string.ascii_letters, min_size=1, max_size=6), max_size=2))
def test_output_that_is_a_file_or_below_one(fixtures, below):
    with workspace(fixtures):
        refused(["generate", "rewrite", "--out", Path(fixtures, "afile", *below), *SMALL])


@FUZZ
@given(name=st.text(string.ascii_letters + "_", min_size=1, max_size=10))
def test_unwritable_output_folder(fixtures, name):
    with workspace(fixtures):
        refused(["generate", "rewrite", "--out", f"/proc/{name}", *SMALL])


@FUZZ
@given(before=text, after=text)
def test_path_with_a_nul_character(fixtures, before, after):
    with workspace(fixtures) as out:
        refused(["generate", "rewrite", "--out", f"{out}/{before}\x00{after}"])


@FUZZ
@given(name=words)
def test_validate_a_path_that_does_not_exist(fixtures, name):
    with workspace(fixtures) as out:
        refused(["validate", out / f"missing-{name}"])


# --- describe, solve -----------------------------------------------------------------------------

@FUZZ
@given(name=text)
def test_describe_an_unknown_task(fixtures, name):
    assume(name not in TASKS and "\x00" not in name and not name.startswith("-"))  # "-h" is an option
    with workspace(fixtures):
        refused(["describe", name])


@FUZZ
@given(name=words)
def test_solve_a_missing_file(fixtures, name):
    with workspace(fixtures) as out:
        refused(["solve", "rewrite", out / f"missing-{name}"])


@FUZZ
@given(lines=st.lists(st.one_of(text.filter(lambda t: not t.lstrip().startswith("{")).map(lambda t: t.replace("\n", " ")),
                                st.just("[1, 2]"), st.just('{"target": "x"}'), st.just('"input"')), min_size=1, max_size=4))
def test_solve_records_that_are_not_records(fixtures, lines):
    with workspace(fixtures) as out:
        path = out / "records.jsonl"
        path.write_text("\n".join(lines) + "\n")
        refused(["solve", "rewrite", path])
        path.unlink()


@FUZZ
@given(task=st.sampled_from(["addition", "multiplication", "algorithmic", "rewrite", "two_hop", "comparison"]),
       value=text)
def test_solve_an_input_the_oracle_cannot_read(fixtures, task, value):
    with workspace(fixtures) as out:
        path = out / "records.jsonl"
        path.write_text(json.dumps({"input": value}) + "\n")
        refused(["solve", task, path])
        path.unlink()


# --- evaluate, baseline --------------------------------------------------------------------------

BAD_PREDICTION_LINES = st.one_of(
    text.filter(lambda t: not t.strip().startswith(("{", "[")) and t.strip()).map(lambda t: t.replace("\n", " ")),
    st.just("[1, 2]"), st.just('{"prediction": "x"}'), st.just('{"id": "rewrite/test_id/000000"}'),
    st.just('{"id": 5, "prediction": "x"}'), st.just('{"id": "rewrite/test_id/000000", "prediction": [7]}'),
    words.map(lambda w: json.dumps({"id": f"nosuch/{w}", "prediction": "x"})),
)


@FUZZ
@given(lines=st.lists(BAD_PREDICTION_LINES, min_size=1, max_size=4))
def test_malformed_prediction_file(fixtures, lines):
    with workspace(fixtures) as out:
        path = out / "predictions.jsonl"
        path.write_text("\n".join(lines) + "\n")
        refused(["evaluate", path, "--snapshot", fixtures / "gen" / "rewrite"])
        path.unlink()


@FUZZ
@given(name=words)
def test_evaluate_a_missing_prediction_file(fixtures, name):
    with workspace(fixtures) as out:
        refused(["evaluate", out / f"missing-{name}", "--snapshot", fixtures / "gen" / "rewrite"])


@FUZZ
@given(name=words)
def test_evaluate_against_a_missing_snapshot(fixtures, name):
    with workspace(fixtures) as out:
        refused(["evaluate", fixtures / "afile", "--snapshot", out / f"missing-{name}"])


@FUZZ
@given(split=words)
def test_evaluate_an_unknown_split(fixtures, split):
    assume(split.strip() and split not in ("train", "validation", "test_id", "test_ood_instruction"))
    with workspace(fixtures) as out:
        path = out / "predictions.jsonl"
        path.write_text("")
        refused(["evaluate", path, "--snapshot", fixtures / "gen" / "rewrite", "--split", split])
        path.unlink()


@FUZZ
@given(threshold=st.one_of(st.floats(min_value=1.0001, allow_infinity=False), st.floats(max_value=-0.0001, allow_infinity=False)))
def test_evaluate_threshold_out_of_range(fixtures, threshold):
    with workspace(fixtures) as out:
        refused(["evaluate", fixtures / "afile", "--snapshot", fixtures / "gen" / "rewrite",
                 "--trivial-threshold", threshold])


@FUZZ
@given(where=st.sampled_from(["folder", "under-file", "proc"]))
def test_baseline_output_that_cannot_be_written(fixtures, where):
    with workspace(fixtures) as out:
        target = {"folder": out, "under-file": fixtures / "afile" / "p.jsonl", "proc": "/proc/p.jsonl"}[where]
        refused(["baseline", "copy_input", "--snapshot", fixtures / "gen" / "rewrite", "--out", target])


# --- snapshot ------------------------------------------------------------------------------------

SUITES = st.one_of(
    text.map(lambda t: t.replace("\x00", "")),                                    # random text (YAML or not)
    st.just("tasks: [\n"), st.just("{unclosed: "), st.just("- a\n- b\n"),        # broken YAML
    st.dictionaries(words, st.one_of(st.integers(), text, st.lists(st.integers())), max_size=3).map(json.dumps),
    st.sampled_from([                                                             # schema-valid shape, bad content
        {"name": "x", "tasks": [{"task": "nosuch"}]},
        {"name": "x", "tasks": [{"task": "addition", "bogus": 1}]},
        {"name": "x", "tasks": [{"task": "addition", "sizes": {"train": -1}}]},
        {"name": "x", "tasks": [{"task": "addition", "sizes": {"nosplit": 5}}]},
        {"name": "x", "tasks": [{"task": "addition", "params": {"train_digits_max": 10**9}}]},
        {"name": "x", "tasks": [{"task": "addition", "params": {"train_digits_max": 1}, "sizes": {"train": 500}}]},
        {"name": "x", "tasks": [{"task": "addition"}, {"task": "addition"}]},
        {"name": "x", "seed": -3, "tasks": [{"task": "addition"}]},
        {"name": "x", "tasks": []},
    ]).map(json.dumps),
)


@FUZZ
@given(content=SUITES, suffix=st.sampled_from([".yaml", ".json", ".txt"]))
def test_malformed_suite_file(fixtures, content, suffix):
    with workspace(fixtures) as out:
        path = out / f"suite{suffix}"
        path.write_text(content)
        refused(["snapshot", "build", path, "--out", out / "snap"])
        path.unlink()


@FUZZ
@given(name=words)
def test_unknown_suite_or_suite_task(fixtures, name):
    # A word starting with "-" is an option to click ("-h" asks for help), not a suite name.
    assume(name.strip() and name not in TASKS and name != "default" and not name.startswith("-"))
    with workspace(fixtures) as out:
        refused(["snapshot", "build", name, "--out", out / "snap"])
        refused(["snapshot", "build", "default", "--tasks", name, "--out", out / "snap"])


@FUZZ
@given(limit=st.integers(1, 10000))
def test_snapshot_larger_than_max_bytes(fixtures, limit):
    with workspace(fixtures) as out:
        refused(["snapshot", "build", "default", "--tasks", "addition", "--out", out / "snap", "--max-bytes", limit])


@FUZZ
@given(name=words)
def test_verify_or_audit_a_missing_folder(fixtures, name):
    with workspace(fixtures) as out:
        refused(["snapshot", "verify", out / f"missing-{name}"])
        refused(["audit", out / f"missing-{name}"])


@FUZZ
@given(args=st.lists(st.sampled_from(["--nosuch", "-z", "bogus", "--out"]), min_size=1, max_size=3))
def test_unknown_command_or_option(fixtures, args):
    with workspace(fixtures):
        refused(["bogus-command", *args])
        refused(["list", *args])


# --- the Python API ------------------------------------------------------------------------------

ANY = st.one_of(st.none(), st.integers(), st.floats(), text, st.lists(st.integers(), max_size=2),
                st.dictionaries(st.integers(), st.integers(), max_size=2), st.booleans())


@FUZZ
@given(task=ANY.filter(lambda v: not (isinstance(v, str) and v in TASKS)))
def test_api_bad_task(fixtures, task):
    with workspace(fixtures) as out:
        api_refused(lambda: genforge.generate(task, out))
        api_refused(lambda: genforge.describe(task))


@FUZZ
@given(out=ANY.filter(lambda v: not isinstance(v, str)))
def test_api_output_of_the_wrong_type(fixtures, out):
    with workspace(fixtures):
        api_refused(lambda: genforge.generate("rewrite", out, sizes={"train": 5}))


@FUZZ
@given(sizes=st.one_of(text, st.integers(), st.lists(st.integers(), min_size=1, max_size=2),
                       st.dictionaries(st.integers(), st.integers(), min_size=1, max_size=2),
                       st.fixed_dictionaries({"train": st.one_of(st.floats().filter(lambda f: f != int(f) if f == f and abs(f) != float("inf") else True),
                                                                 negative, huge, no_digits, st.none(),
                                                                 st.lists(st.integers(), max_size=1))})))
def test_api_bad_sizes(fixtures, sizes):
    assume(sizes != "" and sizes != 0)
    with workspace(fixtures) as out:
        api_refused(lambda: genforge.generate("rewrite", out, sizes=sizes))


@FUZZ
@given(params=st.one_of(text.filter(bool), st.lists(st.integers(), min_size=1, max_size=2),
                        st.dictionaries(st.integers(), st.integers(), min_size=1, max_size=2),
                        st.fixed_dictionaries({"input_length": st.one_of(st.floats(), no_digits, st.none(), huge, negative,
                                                                         st.lists(st.integers(), max_size=1))})))
def test_api_bad_params(fixtures, params):
    assume(not (isinstance(params, dict) and isinstance(params.get("input_length"), float)
                and params["input_length"] == int(params["input_length"]) and 1 <= params["input_length"] <= 100000)
           if isinstance(params, dict) and isinstance(params.get("input_length"), float)
           and params["input_length"] == params["input_length"] and abs(params["input_length"]) != float("inf")
           else True)
    with workspace(fixtures) as out:
        api_refused(lambda: genforge.generate("rewrite", out, params=params))


@FUZZ
@given(seed=st.one_of(text, st.floats(), st.none(), negative, st.integers(min_value=2**63), st.booleans()))
def test_api_bad_seed(fixtures, seed):
    with workspace(fixtures) as out:
        api_refused(lambda: genforge.generate("rewrite", out, seed=seed))


@FUZZ
@given(workers=st.one_of(text, st.floats(), st.integers(max_value=0), st.integers(min_value=257), st.booleans()))
def test_api_bad_workers(fixtures, workers):
    with workspace(fixtures) as out:
        api_refused(lambda: genforge.generate("rewrite", out, workers=workers, sizes={"train": 5}))


@FUZZ
@given(which=st.sampled_from(["split_plan", "shard_size", "max_bytes", "difficulty_range", "plan_options"]),
       value=st.one_of(st.integers(max_value=0), st.lists(st.integers(), min_size=1, max_size=3), st.floats(),
                       text.filter(lambda t: t not in ("mcd", "easy_to_hard"))))
def test_api_bad_option(fixtures, which, value):
    # (an empty plan name means the default plan)
    assume(not (which == "split_plan" and isinstance(value, str) and value in ("", "unseen_instructions", "iid",
                                                                               "longer", "held_out_domain")))
    assume(not (which == "plan_options" and value in ("", 0, [])))
    assume(not (which == "difficulty_range" and isinstance(value, list) and len(value) == 2
                and 0 <= value[0] <= value[1] <= 1))
    with workspace(fixtures) as out:
        api_refused(lambda: genforge.generate("rewrite", out, sizes={"train": 5}, **{which: value}))


@FUZZ
@given(path=st.one_of(ANY.filter(lambda v: not isinstance(v, str)), words))
def test_api_load_snapshot_of_a_bad_path(fixtures, path):
    with workspace(fixtures) as out:
        api_refused(lambda: genforge.load_snapshot(out / f"missing-{path}" if isinstance(path, str) else path))


@FUZZ
@given(split=st.one_of(words.filter(lambda w: w not in ("train", "validation", "test_id", "test_ood_instruction")),
                       st.sampled_from(["train[abc]", "train[:200%]", "train[5:1x]"])),
       key=words.filter(lambda w: w.strip() not in REWRITE.parameters))
def test_api_load_with_bad_split_or_keyword(fixtures, split, key):
    with workspace(fixtures) as out:
        api_refused(lambda: genforge.load("rewrite", cache_dir=out, **{key.strip() or "x_": 1}))
        api_refused(lambda: genforge.load("rewrite", split, cache_dir=fixtures / "afile"))


@FUZZ
@given(task=st.sampled_from(["addition", "rewrite", "scan", "two_hop"]), instruction=st.one_of(st.none(), st.integers()),
       value=st.one_of(text, st.integers(), st.none()))
def test_api_solve_unreadable_input(fixtures, task, instruction, value):
    assume(not (task == "scan" and isinstance(value, str) and instruction is None))  # some text is a SCAN command
    with workspace(fixtures):
        api_refused(lambda: genforge.solve(task, instruction, value))
