"""Task relation_algebra: labels, splits, balance, oracle."""

import hashlib
import json
from collections import Counter
from importlib import resources

import pytest

import genforge
from genforge.core.errors import ParameterError, UsageError
from genforge.generators.relation_algebra import load_algebra, path_consistency
from genforge.generators.relation_algebra_examples import draw_cost
from genforge.core.registry import get_task

SMALL_TESTS = {"train": 60, "validation": 10, "test_id": 10, "test_ood_length": 20, "test_ood_branches": 20}
#: Keep out-of-distribution graphs small enough for the cubic path-consistency check.
SMALL_PARAMS = {"test_k_max": 6, "test_branches_max": 4, "nesting_min_k": 5}


def read(folder, split):
    with open(folder / "relation_algebra" / f"{split}.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def table(name):
    text = resources.files("genforge").joinpath(f"data/relation_algebra/{name}.json").read_text("utf-8")
    return json.loads(text)


def path_consistent_label(document, text):
    """Allen's path-consistency algorithm on sets of relation names, written independently of the package."""
    relations = frozenset(document["relations"])
    composition = {(a, b): frozenset(cell) for a, row in document["composition"].items() for b, cell in row.items()}
    converse = document["converse"]
    memo = {}

    def compose(left, right):
        key = (left, right)
        if key not in memo:
            memo[key] = frozenset().union(*[composition[a, b] for a in left for b in right])
        return memo[key]

    lines = text.splitlines()
    edges = [line.split() for line in lines[:-1]]
    _, source, _, sink = lines[-1].split()
    nodes = sorted({int(e[0]) for e in edges} | {int(e[2]) for e in edges})
    network = {(i, j): (frozenset([document["identity"]]) if i == j else relations) for i in nodes for j in nodes}
    for u, relation, v in edges:
        u, v = int(u), int(v)
        network[u, v] = network[u, v] & {relation}
        network[v, u] = network[v, u] & {converse[relation]}
    queue = list(network)
    while queue:
        i, j = queue.pop()
        for k in nodes:
            for a, b, c in ((i, j, k), (k, i, j)):
                refined = network[a, c] & compose(network[a, b], network[b, c])
                if refined != network[a, c]:
                    network[a, c] = refined
                    network[c, a] = frozenset(converse[r] for r in refined)
                    queue.append((a, c))
    return network[int(source), int(sink)]


@pytest.fixture(scope="module", params=["rcc8", "interval", "kinship"])
def generated(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    genforge.generate("relation_algebra", folder, sizes=SMALL_TESTS, params={**SMALL_PARAMS, "algebra": request.param})
    return request.param, folder


def test_every_label_equals_an_independent_path_consistency_computation(generated):
    algebra, folder = generated
    document = table(algebra)
    for split in SMALL_TESTS:
        for record in read(folder, split):
            assert path_consistent_label(document, record["input"]) == {record["target"]}, record["id"]


def test_the_package_path_consistency_agrees_with_the_independent_one(generated):
    algebra_name, folder = generated
    algebra = load_algebra(algebra_name)
    for record in read(folder, "train")[:30]:
        lines = record["input"].splitlines()
        edges = [(int(u), algebra.index[r], int(v)) for u, r, v in (line.split() for line in lines[:-1])]
        nodes = max(max(u, v) for u, _, v in edges) + 1
        matrix = path_consistency(algebra, edges, nodes)
        assert algebra.names(matrix[0][nodes - 1]) == [record["target"]]


def test_the_independent_check_sees_ambiguity():
    # Guards the check itself: a chain of two DC edges leaves every RCC-8 relation open.
    assert len(path_consistent_label(table("rcc8"), "0 DC 1\n1 DC 2\nquery: 0 ? 2")) == 8
    assert path_consistent_label(table("rcc8"), "0 NTPP 1\n1 TPP 2\nquery: 0 ? 2") == {"NTPP"}


def test_the_oracle_reproduces_every_target(generated):
    algebra, folder = generated
    task = get_task("relation_algebra")
    for split in SMALL_TESTS:
        for record in read(folder, split):
            assert task.solve(record["instruction"], record["input"]) == record["target"]


def test_every_path_from_source_to_sink_has_exactly_k_edges(generated):
    algebra, folder = generated
    for split in SMALL_TESTS:
        for record in read(folder, split):
            lines = record["input"].splitlines()
            sink = int(lines[-1].split()[3])
            lengths = {0: {0}}
            edges = [(int(u), int(v)) for u, _, v in (line.split() for line in lines[:-1])]
            for _ in range(len(edges)):  # relax until stable: the graph is a DAG
                for u, v in edges:
                    lengths.setdefault(v, set()).update(n + 1 for n in lengths.get(u, ()))
            assert lengths[sink] == {record["meta"]["complexity"]["k"]}


def test_splits_keep_their_k_and_branch_ranges(generated):
    algebra, folder = generated
    train = read(folder, "train")
    assert {r["meta"]["complexity"]["k"] for r in train} <= {2, 3, 4}
    assert {r["meta"]["complexity"]["branches"] for r in train} <= {1, 2, 3}
    assert all(r["meta"]["complexity"]["nested"] == 0 for r in train)
    longer = read(folder, "test_ood_length")
    assert {r["meta"]["complexity"]["k"] for r in longer} <= {5, 6}
    assert {r["meta"]["complexity"]["branches"] for r in longer} <= {1, 2, 3}
    wider = read(folder, "test_ood_branches")
    assert {r["meta"]["complexity"]["branches"] for r in wider} == {4}
    assert {r["meta"]["complexity"]["k"] for r in wider} <= {2, 3, 4}
    assert all(r["meta"]["domain"] == algebra for r in train)


def test_long_chains_contain_nested_sub_graphs(tmp_path):
    genforge.generate("relation_algebra", tmp_path, split_plan="length",
                      sizes={"train": 5, "validation": 1, "test_id": 1, "test_ood_length": 40})
    assert sum(r["meta"]["complexity"]["nested"] > 0 for r in read(tmp_path, "test_ood_length")) >= 5


def test_target_relations_are_balanced_within_a_split(tmp_path):
    genforge.generate("relation_algebra", tmp_path, split_plan="iid",
                      sizes={"train": 1600, "validation": 10, "test_id": 10}, params={"algebra": "rcc8"})
    counts = Counter(r["target"] for r in read(tmp_path, "train"))
    assert set(counts) == {"DC", "EC", "PO", "TPP", "NTPP", "TPPI", "NTPPI", "EQ"}
    # Dedup is by graph up to node names and line order (canonical_key): RCC-8 has few distinct graphs closing
    # exactly to EQ at k <= 4 (a single one per k with one branch: all EQ edges), so EQ gets about 7%.
    assert min(counts.values()) > 0.45 * 1600 / 8 and max(counts.values()) < 1.4 * 1600 / 8


def test_normalize_answer_folds_whitespace_case_and_long_names():
    task = get_task("relation_algebra")
    assert task.normalize_answer(" ntpp ") == "NTPP"
    assert task.normalize_answer("T P P I") == "TPPI"
    assert task.normalize_answer(" Di") == "di"
    assert task.normalize_answer("before") == "<"
    assert task.normalize_answer("=") == "="


def test_structure_lists_edge_relations_and_consecutive_pairs():
    task = get_task("relation_algebra")
    record = {"instruction": "", "input": "0 TPP 1\n1 NTPP 2\n0 EC 2\nquery: 0 ? 2"}
    atoms, compounds = task.structure(record)
    assert sorted(atoms) == ["EC", "NTPP", "TPP"]
    assert compounds == ["TPP NTPP"]


def test_oracle_rejects_unreadable_input():
    task = get_task("relation_algebra")
    with pytest.raises(UsageError):
        task.solve(None, "0 XX 1\nquery: 0 ? 1")
    with pytest.raises(UsageError):
        task.solve(None, "0 DC 1")
    bridge = "0 EQ 1\n0 EQ 2\n1 EQ 2\n1 EQ 3\n2 EQ 3\nquery: 0 ? 3"  # not series-parallel
    with pytest.raises(UsageError, match="series-parallel"):
        task.solve(None, bridge)
    assert task.solve(None, bridge.replace("1 EQ 2\n", "")) == "EQ"


def test_crossing_train_and_test_ranges_is_refused(tmp_path):
    with pytest.raises(ParameterError, match="test_k_max"):
        genforge.generate("relation_algebra", tmp_path, params={"train_k_max": 6, "test_k_max": 5})
    with pytest.raises(ParameterError, match="train_branches_min"):
        genforge.generate("relation_algebra", tmp_path, params={"train_branches_min": 3, "train_branches_max": 2})


@pytest.mark.parametrize("params, split, named", [
    # Ran past 150 s for --size train=1000: long chains drawn uniformly almost never close to one relation
    # (the segment law's backward chains; the EpiGNN law of nested graphs does not use tightness).
    ({"tightness": 0.0, "nested_law": "segments"}, "test_ood_length", "tightness"),
    # Graphs of 40..49 edges by up to 15 branches under the segment law: past 150 s as well (the EpiGNN
    # law draws them in about 10 ms each).
    ({"train_k_min": 40, "train_k_max": 49, "test_k_max": 50, "train_branches_max": 15, "test_branches_max": 16,
      "nested_law": "segments"},
     "train", "train_k_max"),
    # Kinship walks of up to 25 edges: some 200 ms an example.
    ({"algebra": "kinship", "test_k_max": 25}, "test_ood_length", "test_k_max"),
])
def test_cells_too_costly_to_draw_are_refused_before_any_work(tmp_path, params, split, named):
    with pytest.raises(ParameterError, match=rf"split '{split}'.*{named}"):
        genforge.generate("relation_algebra", tmp_path, params=params, sizes={"train": 1000})
    assert not (tmp_path / "relation_algebra").exists()


def test_the_pilot_cost_is_fixed_by_the_parameters_alone():
    task = get_task("relation_algebra")
    params = task.Params.resolve(tightness=1.5).for_split({"k_min": 5, "k_max": 15}, 7)
    # Not the run's seed either: a refusal must not depend on which seed was asked for.
    assert draw_cost(params) == draw_cost(params) == draw_cost(params.for_split({}, 8)) < float("inf")


GOLDEN = {
    "train.jsonl": "9c2f5b82486096e65f9be1ebbc2ba70440b9719cedc2260090c5ae8f0821c439",
    "validation.jsonl": "44e91b5a33fd71b3d3c7448c79b3304c1722b42ecd47000f874879e3627466dd",
    "test_id.jsonl": "293e4a3d62c13852e104560925d5aba3e503581d8f61b8c74b24d298f1567d1b",
    "test_ood_length.jsonl": "9dfcd016e64b510406cf2ee8dc87b502cdeac6457da6d47aaab14879cbf62a53",
    "test_ood_branches.jsonl": "1db0bc5843e1d2372e3777beb1e9907ec47496e7db4041f45633744a59c7192d",
}


def test_golden_output_is_pinned(tmp_path):
    sizes = {"train": 50, "validation": 5, "test_id": 5, "test_ood_length": 5, "test_ood_branches": 5}
    manifest = genforge.generate("relation_algebra", tmp_path, sizes=sizes, seed=0)
    digests = {f["name"]: hashlib.sha256((tmp_path / "relation_algebra" / f["name"]).read_bytes()).hexdigest()
               for f in manifest["files"]}
    assert digests == GOLDEN
