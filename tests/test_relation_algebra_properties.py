"""Property tests of the series-parallel graph sampler (hypothesis)."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from genforge.core.rng import RandomStream
from genforge.generators.kinship_graphs import family_model, sample_kinship_graph
from genforge.generators.relation_algebra import (
    GraphShape, chain_sampler, graph_closure, graph_edges, sample_graph, series_parallel_closure,
)

shapes = st.tuples(st.integers(0, 2**32), st.integers(2, 9), st.integers(1, 5), st.sampled_from([0.0, 0.5]))


@settings(max_examples=60, deadline=None)
@given(shapes, st.sampled_from(["rcc8", "interval"]), st.integers(0, 12))
def test_sampled_graphs_close_to_their_target_whichever_way_they_are_reduced(shape, name, target_seed):
    seed, length, branches, nest_share = shape
    sampler = chain_sampler(name, 2.5, 0.25)
    target = target_seed % len(sampler.algebra.relations)
    graph = sample_graph(RandomStream.from_parts(seed), sampler, target, length, branches,
                         GraphShape(nest_share))
    if graph is None:
        return
    assert graph_closure(sampler.algebra, graph) == 1 << target
    edges, nodes = graph_edges(graph)
    assert series_parallel_closure(sampler.algebra, edges, 0, nodes - 1) == 1 << target
    assert len(graph.branches) == branches


@settings(max_examples=30, deadline=None)
@given(shapes, st.integers(0, 10))
@example((6, 6, 1, 0.5), 6)  # a nested sub-graph at the source: composition order matters for kinship
def test_kinship_graphs_close_to_their_target(shape, target_index):
    seed, length, branches, nest_share = shape
    model = family_model(2.5)
    target = model.algebra.edge_atoms[target_index]
    graph = sample_kinship_graph(RandomStream.from_parts(seed), model, target, min(length, 6), min(branches, 3),
                                 GraphShape(nest_share))
    if graph is None:
        return
    edges, nodes = graph_edges(graph)
    assert series_parallel_closure(model.algebra, edges, 0, nodes - 1) == 1 << target
