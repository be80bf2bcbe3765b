"""relation_algebra's shortcuts for speed (issue 21) give what the plain definitions give.

The canonical key is read from a text three ways, cheapest first: parallel chains walked from the source,
series and parallel reductions, and the recursive definition by cut nodes; each faster way must give the
recursive definition's string on every graph it accepts, and so must the key the sampler builds from the
graph it drew. An i.i.d. split's sampler drops the draws outside its bucket
interval before writing them: exactly the draws the split's predicate would drop."""

from dataclasses import replace

import pytest

from genforge.core.records import bucket_of, key_digest
from genforge.core.registry import get_task
from genforge.core.rng import RandomStream
from genforge.generators import relation_algebra_canonical as canonical
from genforge.generators import relation_algebra_examples
from genforge.generators.relation_algebra_examples import draw_block

TASK = get_task("relation_algebra")
#: Cells with flat graphs (k <= 4) and nested ones (k >= 5) under both nesting laws, three algebras.
CELLS = [{"k_min": 2, "k_max": 4, "branches_min": 1, "branches_max": 5},
         {"k_min": 5, "k_max": 9, "branches_min": 1, "branches_max": 3}]


def sampled_examples(algebra: str, law: str) -> list:
    base = TASK.Params.resolve({"algebra": algebra, "nested_law": law})
    found = []
    for number, cell in enumerate(CELLS):
        examples, _ = draw_block(RandomStream.from_parts("canonical", algebra, law, number),
                                 replace(base, **cell), 40, 10 ** 7)
        found += [example for example in examples if example is not None]
    return found


def parts(text: str) -> tuple[list[list[str]], str, str]:
    lines = text.strip().splitlines()
    query = lines[-1].split()
    return [line.split() for line in lines[:-1]], query[1], query[3]


@pytest.mark.parametrize("algebra", ["rcc8", "interval", "kinship"])
@pytest.mark.parametrize("law", ["epignn", "segments"])
def test_fast_ways_give_the_recursive_definition(algebra, law):
    ways = {"chains": 0, "reduced": 0}
    for example in sampled_examples(algebra, law):
        text = example.input
        edges, source, sink = parts(text)
        expected = canonical._recursive_canonical(text, edges, source, sink)
        assert expected != text  # every generated graph is series-parallel
        chains = canonical._parallel_chains(edges, source, sink)
        if chains is not None:
            ways["chains"] += 1
            chains.sort()
            assert (chains[0] if len(chains) == 1 else "(" + "|".join(chains) + ")") == expected
        term = canonical._reduced(edges, source, sink)
        assert term is not None and canonical._render(term) == expected
        ways["reduced"] += 1
        assert canonical.canonical_graph(text) == expected
        # The key the sampler built from the graph it drew (chains_key, graph_key): the text's.
        assert example.known_key == example.instruction + "\x1f" + expected == example.key()
    assert ways["chains"] > 10 and ways["reduced"] > ways["chains"]  # flat and nested graphs both seen


@pytest.mark.parametrize("text", [
    "0 EQ 1\n1 EQ 0\nquery: 0 ? 1",                                   # a cycle
    "0 EQ 1\n1 PO 2\n77 DC 78\nquery: 0 ? 2",                         # an edge off every path
    "0 EQ 1\n1 TPP 2\n0 PO 3\n3 DC 2\n1 NTPP 3\nquery: 0 ? 2",         # the Wheatstone bridge: not series-parallel
    "0 EQ 1\n1 PO 2\n2 DC 0\n0 EC 2\nquery: 0 ? 2",                     # an edge back into the source
    "0 EQ 1\n1 EQ\nquery: 0 ? 1",                                      # a line of two words
    "0 EQ 1\nquery: 0 ? 0",                                            # the query's nodes are one node
])
def test_other_texts_keep_the_recursive_definition(text):
    edges, source, sink = parts(text)
    assert canonical._reduced(edges, source, sink) is None
    assert canonical.canonical_graph(text) == canonical._recursive_canonical(text, edges, source, sink)


def test_parallel_and_series_parts_are_flat_and_sorted():
    # Two direct edges, a chain and a chain through a nested pair: one parallel composition of four parts.
    text = "0 PO 3\n0 EQ 1\n1 DC 3\n0 EC 3\n0 TPP 2\n2 DC 4\n2 EQ 4\n4 NTPP 3\nquery: 0 ? 3"
    assert canonical.canonical_graph(text) == "(EC|PO|[EQ,DC]|[TPP,(DC|EQ),NTPP])"


@pytest.mark.parametrize("window", [(0.0, 0.8), (0.8, 0.9), (0.9, 1.0)])
def test_a_bucket_window_drops_exactly_the_draws_outside_it(window):
    params = TASK.Params.resolve({"algebra": "interval"})
    plain, plain_work = draw_block(RandomStream.from_parts("window"), params, 200, 10 ** 7)
    windowed, work = draw_block(RandomStream.from_parts("window"), replace(params, bucket_window=window), 200, 10 ** 7)
    assert work == plain_work and len(windowed) == len(plain)
    kept = 0
    for example, reference in zip(windowed, plain):
        inside = reference is not None and window[0] <= bucket_of(key_digest(reference.key())) < window[1]
        assert example == (reference if inside else None)
        kept += inside
    assert 0 < kept < len(plain)


def test_iid_splits_carry_their_bucket_window_and_the_pilot_ignores_it():
    params = TASK.Params.resolve({})
    plan = TASK.split_plans(params)["systematic"]
    assert plan.split("validation").sample_params["bucket_window"] == (0.8, 0.9)
    assert "bucket_window" not in plan.split("test_ood_length").sample_params
    train = params.for_split(plan.split("train").sample_params, 0)
    assert relation_algebra_examples.draw_cost(train) == relation_algebra_examples.draw_cost(
        replace(train, bucket_window=()))


@pytest.mark.parametrize("algebra", ["rcc8", "interval", "kinship"])
def test_flat_samplers_draw_as_the_general_ones(algebra):
    """sample_flat_graph / sample_flat_walks (inlined, composing as they draw) give what sample_graph /
    sample_kinship_graph give without nesting, and leave the stream where those leave it."""
    from genforge.generators.kinship_graphs import family_model, sample_flat_walks, sample_kinship_graph
    from genforge.generators.relation_algebra import GraphShape, chain_sampler, sample_flat_graph, sample_graph

    sampler, model = chain_sampler(algebra, 2.5, 0.25), family_model(2.5)
    found = 0
    for seed in range(150):
        length, branches, tries = 1 + seed % 5, 1 + seed % 4, (0, 1, 8, 8)[seed % 4]
        target = sampler.algebra.edge_atoms[seed % len(sampler.algebra.edge_atoms)]
        general, inlined = RandomStream.from_parts("flat", seed), RandomStream.from_parts("flat", seed)
        if algebra == "kinship":
            graph = sample_kinship_graph(general, model, target, length, branches, GraphShape(0.0, tries=tries))
            chains = sample_flat_walks(inlined, model, target, length, branches, tries)
        else:
            graph = sample_graph(general, sampler, target, length, branches, GraphShape(0.0, tries=tries))
            chains = sample_flat_graph(inlined, sampler, target, length, branches, tries)
        assert chains == (None if graph is None else [list(branch) for branch in graph.branches])
        assert general.word() == inlined.word()
        found += chains is not None
    assert found > 30


def test_the_rendered_chain_cache_is_bounded(monkeypatch):
    names = ("A", "B", "C")
    monkeypatch.setattr(canonical, "CHAIN_TEXTS_LIMIT", 2)
    monkeypatch.setattr(canonical, "_CHAIN_TEXTS", {})
    texts = canonical.chain_texts(names)
    assert canonical.chains_key([[0, 1], [2]], names, texts) == "(C|[A,B])"
    assert canonical.chains_key([[1, 1, 0]], names, texts) == "[B,B,A]" and len(texts) == 3
    assert canonical.chain_texts(names) == {}  # past the limit: started again
