"""pcfg_set's input law: the published shape (functions per input, string lengths) and the exact-size
tree sampler behind it, checked against the published histograms (issue 17 item 3) and the PCFG."""

from collections import Counter

from genforge.core.registry import get_task
from genforge.core.rng import RandomStream
from genforge.generators.pcfg import NodeStreams, parse, plain_trees, walk
from genforge.generators.pcfg_sampler import tree_example
from genforge.generators.pcfg_shape import ShapedStreams

TASK = get_task("pcfg_set")
#: Hupkes et al. (2020): the published dev and test files (14,581 lines), functions per input (13: more than 12)
PUBLISHED_FUNCTIONS = {1: 1.5, 2: 12.8, 3: 19.4, 4: 18.8, 5: 13.2, 6: 10.3, 7: 6.6, 8: 5.1, 9: 3.4, 10: 2.5, 11: 1.9,
                       12: 1.5, 13: 3.0}
PUBLISHED_LENGTHS = {2: 15.9, 3: 29.7, 4: 27.7, 5: 26.7}


def sample(count, **params):
    params = TASK.Params.resolve(**params)
    return [e for e in TASK.sample_block(RandomStream.from_parts("shape-test"), params, count) if e is not None]


def tv(counts: Counter, published: dict) -> float:
    total = sum(counts.values())
    return 0.5 * sum(abs(counts[k] / total - published.get(k, 0) / 100) for k in set(counts) | set(published))


def test_default_inputs_follow_the_published_histograms():
    examples = sample(4000)
    functions = Counter(min(e.meta["complexity"]["functions"], 13) for e in examples)
    lengths = Counter(len(node.symbols) for e in examples for node in parse(e.input).nodes() if node.is_string)
    assert tv(functions, PUBLISHED_FUNCTIONS) < 0.05
    assert tv(lengths, PUBLISHED_LENGTHS) < 0.05
    mean = sum(e.meta["complexity"]["functions"] for e in examples) / len(examples)
    assert abs(mean - 5.15) < 0.3
    tokens = sorted(e.meta["complexity"]["input_length"] for e in examples)
    assert 15 <= tokens[len(tokens) // 2] <= 18  # published median: 16


def test_the_pcfg_law_stays_an_option():
    examples = sample(2000, input_law="pcfg")
    one = sum(e.meta["complexity"]["functions"] == 1 for e in examples) / len(examples)
    assert 0.30 < one < 0.40  # the PCFG alone: a third of inputs hold one function (published: 1.5%)


def test_caps_admit_the_published_extremes():
    params = TASK.Params.resolve()
    assert params.max_functions >= 35 and params.max_output_length >= 736
    # 35 functions (repeat doubles, echo adds one): 23 symbols -> 736 after five repeats
    text = "repeat " * 5 + "copy " * 30 + " ".join(f"A{i}" for i in range(1, 21)) + " B1 B2 B3"
    example = tree_example(parse(text), None, frozenset(), params.max_output_length)
    assert example.meta["complexity"]["functions"] == 35 and example.meta["complexity"]["output_length"] == 736


def test_exact_size_trees_have_the_pcfg_shape_given_their_size():
    # The cycle-lemma sampler draws the PCFG's own law of trees with n functions: compare depths at n = 4.
    params = TASK.Params.resolve()
    grammar = params.grammar()
    shaped = ShapedStreams(RandomStream.from_parts("exact"), grammar, 64, 1, 35)
    shaped.exact = 4
    shaped_depths = Counter(walk(shaped, 35, 10_000).depth for _ in range(3000))
    pcfg = TASK.Params.resolve(input_law="pcfg").grammar()
    trees = plain_trees(NodeStreams(RandomStream.from_parts("pcfg"), pcfg, 64, 35), 35, 10_000)
    pcfg_depths = Counter()
    while sum(pcfg_depths.values()) < 3000:
        tree = next(trees)
        if tree is not None and tree[2] == 4:
            pcfg_depths[tree[3]] += 1
    assert 0.5 * sum(abs(shaped_depths[d] - pcfg_depths[d]) / 3000 for d in range(1, 5)) < 0.05


def test_localism_probe_has_the_published_increasing_length_design(tmp_path):
    # Hupkes et al. (2020), localism: each function on argument strings of 2..20 symbols, 1,007 lines per function
    import json

    import genforge
    from pcfg_set_reference import reference_value

    genforge.generate("pcfg_set", tmp_path, split_plan="localism",
                      sizes={"train": 5, "validation": 0, "test_id": 0, "test_localism_length": 10_070})
    rows = [json.loads(line) for line in (tmp_path / "pcfg_set" / "test_localism_length.jsonl").open()]
    assert len(rows) == 10_070
    functions = [r["input"].split()[0] for r in rows]
    assert functions == [f for f in sorted(set(functions)) for _ in range(1_007)] and len(set(functions)) == 10
    for index, row in enumerate(rows):
        arguments = [part.split() for part in " ".join(row["input"].split()[1:]).split(" , ")]
        length = 2 + index % 19  # lengths cycle 2..20 within each function
        sizes = [len(a) for a in arguments]
        if functions[index] == "remove_first":
            assert sizes[1] == length and 2 <= sizes[0] <= 5
        elif functions[index] == "remove_second":
            assert sizes[0] == length and 2 <= sizes[1] <= 5
        elif len(sizes) == 2:
            assert length in sizes and 2 <= sizes[1 - sizes.index(length)] <= 5 or sizes == [length, length]
        else:
            assert sizes == [length]
        assert row["target"] == " ".join(reference_value(row["input"]))


def _tv(rows_a, rows_b, feature):
    a = Counter(TASK.nuisance_features(r)[feature] for r in rows_a)
    b = Counter(TASK.nuisance_features(r)[feature] for r in rows_b)
    return 0.5 * sum(abs(a[k] / len(rows_a) - b[k] / len(rows_b)) for k in set(a) | set(b))


def test_no_nuisance_feature_shifts_beyond_what_the_split_declares(tmp_path):
    # issue 15: a split may move only the features its shift names (audit threshold: TV 0.3)
    import json

    import genforge

    for plan, test_split in (("systematicity", "test_ood_systematicity"), ("overgeneralisation", "test_ood_exception"),
                             ("substitutivity", "test_ood_substitutivity")):
        genforge.generate("pcfg_set", tmp_path / plan, split_plan=plan, params={"exception_ratio": 0.05},
                          sizes={"train": 800, "validation": 0, "test_id": 0, test_split: 150})
        rows = {split: [json.loads(line) for line in (tmp_path / plan / "pcfg_set" / f"{split}.jsonl").open()]
                for split in ("train", test_split)}
        spec = TASK.split_plans(TASK.Params.resolve())[plan].split(test_split)
        features = TASK.nuisance_features(rows["train"][0])
        # A split may name the task's features, its complexity measures (the audit's complexity.<name>) and
        # the audit's generic length features.
        measures = set(rows["train"][0]["meta"]["complexity"])
        assert set(spec.moves) <= set(features) | measures | {"input_length", "target_length"}
        shifted = {f for f in features if _tv(rows["train"], rows[test_split], f) > 0.3}
        assert shifted <= set(spec.moves), (plan, shifted - set(spec.moves))
