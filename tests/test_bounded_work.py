"""Work and memory are bounded by the size asked, at any parameter setting the schemas allow.

Hypothesis draws a task's plan and a few parameters set to values its schema
allows (extremes first), and runs ``generate`` with 1,000 training records
(every other split 100) in a child process. Each run must end within a minute
and under 500 MB: either it writes the splits, or it refuses with one clear
message (exit 2, naming what is wrong), never a traceback. The child also
runs under a 3 GB address-space limit, so a runaway cannot take the machine
down with it.

The draws are derandomized, so CI checks the same settings every run;
``GENFORGE_BOUNDED_EXAMPLES=N`` draws N settings per task for a deeper search.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from genforge.core.plans import generic_plans
from genforge.core.registry import get_task, task_names
from genforge.core.spec import resolve_spec

TIME_LIMIT = 60
MEMORY_LIMIT_MB = 500
EXAMPLES = int(os.environ.get("GENFORGE_BOUNDED_EXAMPLES", "3"))

CHILD = r"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
import genforge
from genforge.core.errors import GenforgeError
from genforge.core.plans import split_outline
from genforge.core.spec import resolve_spec
task, plan, params, out = json.loads(sys.argv[1])
try:
    spec = resolve_spec(task, params=params, split_plan=plan)
    sizes = {name: 1000 if index == 0 else 100 for index, (name, _) in enumerate(split_outline(spec))}
    genforge.generate(task, out, split_plan=plan, params=params, sizes=sizes)
    outcome = "written"
except GenforgeError as error:
    outcome = "refused: " + str(error)
def peak_mb():
    # This process's own high-water mark. ru_maxrss survives exec on Linux: a child forked from a pytest
    # process that had grown (torch imported by another test) would report the parent's peak.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"outcome": outcome, "peak_mb": peak_mb()}))
"""


def value_strategy(schema: dict) -> st.SearchStrategy:
    """Values the schema allows, its extremes and default drawn most often."""
    kind = schema.get("type")
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if kind == "boolean":
        return st.booleans()
    if kind in ("integer", "number"):
        low, high = schema.get("minimum", 0), schema.get("maximum", 10**6)
        draw = st.integers(low, high) if kind == "integer" else st.floats(low, high, allow_nan=False)
        return st.one_of(st.sampled_from([low, high, schema["default"]]), draw)
    if kind == "array":
        items = schema.get("items", {})
        low, high = schema.get("minItems", 0), schema.get("maxItems", 12)
        if "enum" in items:
            return st.lists(st.sampled_from(items["enum"]), min_size=max(low, 1), max_size=min(high, len(items["enum"])),
                            unique=True)
        return st.lists(value_strategy({**items, "default": items.get("minimum", 0)}), min_size=low,
                        max_size=min(high, max(low, 4)))
    return st.just(schema["default"])


def setting_strategy(task_name: str) -> st.SearchStrategy:
    task = get_task(task_name)
    plans = sorted(task.split_plans(resolve_spec(task_name).typed())) + sorted(generic_plans())
    names = sorted(task.parameters)
    overrides = st.lists(st.sampled_from(names), min_size=1, max_size=min(3, len(names)), unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({name: value_strategy(task.parameters[name]) for name in chosen})
    ) if names else st.just({})
    return st.tuples(st.sampled_from(plans), overrides)


def run_child(task: str, plan: str, params: dict, out) -> dict:
    argument = json.dumps([task, plan, params, str(out)])
    try:
        process = subprocess.run([sys.executable, "-c", CHILD, argument], capture_output=True, timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{task} --split-plan {plan} with {params} ran past {TIME_LIMIT} s")
    assert process.returncode == 0, f"{task} {plan} {params}: a traceback\n{process.stderr.decode()[-3000:]}"
    return json.loads(process.stdout.decode().strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("task", task_names())
def test_any_allowed_setting_finishes_or_refuses_within_bounds(tmp_path_factory, task):
    # No shrinking: each draw costs a child process, and the first failing setting says enough.
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(setting_strategy(task))
    def check(setting):
        plan, params = setting
        result = run_child(task, plan, params, tmp_path_factory.mktemp("bounded"))
        assert result["peak_mb"] < MEMORY_LIMIT_MB, f"{task} {plan} {params}: peak {result['peak_mb']:.0f} MB"
        if result["outcome"] != "written":
            assert "\n" not in result["outcome"].strip() and len(result["outcome"]) > 20, result["outcome"]

    check()
