"""Bounded work for hint: splits too rare to fill are refused before sampling, cheaply.

Before, a split whose ranges almost no tree meets (long expressions with small
values, short ones with huge values) first ran a result-cap pilot of up to
800,000 trees (45 s of CPU at 101..200 operators), then sampled until the
engine gave up. Now the pilot stops as soon as the law is clearly too rare and
``space_size`` refuses the split, naming the parameters of its ranges.
"""

import pytest

import genforge
from genforge.cli import main
from genforge.core.errors import InfeasibleError, ParameterError
from genforge.core.rng import RandomStream
from genforge.generators import hint_result_cap
from genforge.generators.hint_sampler import SplitLaw

NONE = {"train": 0, "validation": 0, "SS": 0, "LS": 0, "SL": 0, "LL": 0}
#: Long expressions of 101..200 operators whose every value stays <= 10**12: about 1 draw in 1500.
LONG_AND_SMALL = {"max_operators": 100, "long_max_operators": 200, "max_value": 10**12,
                  "large_max_value": 10**15}


def counting_draws(rate_every: int):
    """A pilot's draw function that accepts one draw in ``rate_every`` (0: none), and its count of draws."""
    made = []

    def draw_results(rng: RandomStream, attempts: int) -> list[int]:
        first = sum(made)
        made.append(attempts)
        return [7 for k in range(first, first + attempts) if rate_every and k % rate_every == 0]

    return draw_results, made


def test_a_pilot_stops_early_only_below_half_the_least_rate():
    hopeless, made = counting_draws(0)
    found = hint_result_cap.pilot(hopeless, ("test",), least_rate=0.01)
    assert found.gave_up and sum(made) == hint_result_cap.GIVE_UP_AFTER
    at_least, made = counting_draws(100)  # exactly the least rate: runs to its 4000 results
    found = hint_result_cap.pilot(at_least, ("test",), least_rate=0.01)
    assert not found.gave_up and found.shares == {7: 1.0} and sum(made) >= 400_000


def test_without_a_least_rate_a_pilot_spends_its_whole_budget():
    hopeless, made = counting_draws(0)
    found = hint_result_cap.pilot(hopeless, ("test",))
    assert not found.gave_up and sum(made) >= hint_result_cap.PILOT_DRAWS * hint_result_cap.PILOT_BUDGET


def test_the_least_rate_grows_with_the_trees_and_with_a_smaller_share_of_buckets():
    short, long = SplitLaw(0, 10, -1, 100, 3, 0.05), SplitLaw(101, 200, -1, 100, 3, 0.05)
    assert short.least_kept_rate() < long.least_kept_rate()
    assert short.least_kept_rate(0.1) == pytest.approx(10 * short.least_kept_rate())
    assert short.least_pilot_rate() == 0  # 800,000 draws of 6 operators are cheap whatever the rate
    assert long.least_pilot_rate() > 0


@pytest.mark.parametrize("params, split, names", [
    (LONG_AND_SMALL, "LS", "max_operators = 100, long_max_operators = 200, max_value = 1000000000000"),
    ({"min_operators": 100, "max_operators": 100, "long_max_operators": 200}, "train",
     "min_operators = 100, max_operators = 100, max_value = 100"),
    ({"max_operators": 1, "max_value": 10**12, "large_max_value": 10**15}, "SL",  # 2 operators reach 81
     "min_operators = 0, max_operators = 1, max_value = 1000000000000, large_max_value"),
])
def test_splits_too_rare_to_fill_are_refused_naming_their_parameters(tmp_path, params, split, names):
    with pytest.raises(ParameterError, match=rf"{names}.*split '{split}'"):
        genforge.generate("hint", tmp_path, sizes=NONE, params=params)


def test_the_iid_plan_still_generates_where_the_long_splits_are_refused(tmp_path, read_records):
    sizes = {"train": 40, "validation": 4, "test_id": 4}
    manifest = genforge.generate("hint", tmp_path, split_plan="iid", sizes=sizes, params=LONG_AND_SMALL)
    assert [f["records"] for f in manifest["files"]] == [40, 4, 4]


def test_the_refusal_exits_2_with_one_message_on_the_command_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["generate", "hint", "--out", str(tmp_path), "--size", "train=1000",
              *[f"--param={k}={v}" for k, v in LONG_AND_SMALL.items()]])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "long_max_operators" in error and "--split-plan iid" in error and "Traceback" not in error


def test_a_space_smaller_than_the_request_is_refused_up_front(tmp_path):
    # 0 or 1 operator: 10 digits and 4 * 10 * 10 one-operator expressions, 410 inputs in all.
    with pytest.raises(InfeasibleError, match="holds only 410"):
        genforge.generate("hint", tmp_path, split_plan="iid", sizes={"train": 500, "validation": 0, "test_id": 0},
                          params={"max_operators": 1, "result_share_cap": 1.0})
