"""relation_algebra's canonical key is computed three ways, cheapest first (issue 21, speed): parallel chains
walked from the source, series and parallel reductions, and the recursive definition by cut nodes. Each
faster way must give the recursive definition's string on every graph it accepts."""

from dataclasses import replace

import pytest

from genforge.core.registry import get_task
from genforge.core.rng import RandomStream
from genforge.generators import relation_algebra_canonical as canonical
from genforge.generators.relation_algebra_examples import draw_block

TASK = get_task("relation_algebra")
#: Cells with flat graphs (k <= 4) and nested ones (k >= 5) under both nesting laws, three algebras.
CELLS = [{"k_min": 2, "k_max": 4, "branches_min": 1, "branches_max": 5},
         {"k_min": 5, "k_max": 9, "branches_min": 1, "branches_max": 3}]


def sampled_inputs(algebra: str, law: str) -> list[str]:
    base = TASK.Params.resolve({"algebra": algebra, "nested_law": law})
    texts = []
    for number, cell in enumerate(CELLS):
        examples, _ = draw_block(RandomStream.from_parts("canonical", algebra, law, number),
                                 replace(base, **cell), 40, 10 ** 7)
        texts += [example.input for example in examples if example is not None]
    return texts


def parts(text: str) -> tuple[list[list[str]], str, str]:
    lines = text.strip().splitlines()
    query = lines[-1].split()
    return [line.split() for line in lines[:-1]], query[1], query[3]


@pytest.mark.parametrize("algebra", ["rcc8", "interval", "kinship"])
@pytest.mark.parametrize("law", ["epignn", "segments"])
def test_fast_ways_give_the_recursive_definition(algebra, law):
    ways = {"chains": 0, "reduced": 0}
    for text in sampled_inputs(algebra, law):
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
