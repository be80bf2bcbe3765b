"""The kinship rule engine: family trees, backward chaining and noise, checked against the tree itself."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genforge.core.rng import RandomStream
from genforge.generators.kinship import add_noise, backward_chain, family_tree, load_rules, simulate_family

RULES = load_rules()


def tree_for(seed, generations=4):
    return family_tree(simulate_family(RandomStream.from_parts("tree", seed), generations, 2, 3, 0.8), RULES)


def test_tree_relations_come_with_their_inverses():
    tree = tree_for(0)
    assert tree.relation
    for (a, b), r in tree.relation.items():
        if r in RULES.inverse:
            assert tree.relation[(b, a)] == RULES.inverse[r]


def test_surface_words_follow_the_gender_of_the_second_person():
    tree = tree_for(1)
    for (a, b), r in tree.relation.items():
        if r == "inv-child":
            assert RULES.word(r, tree.genders[b]) == ("father" if tree.genders[b] == "male" else "mother")


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), k=st.integers(2, 8), target=st.sampled_from(RULES.composable))
def test_a_backward_chain_is_true_in_the_tree_and_composes_to_its_target(seed, k, target):
    tree = tree_for(seed % 7)
    chain = backward_chain(RandomStream.from_parts("chain", seed), tree, target, k)
    if chain is None:
        return
    assert len(chain.relations) == k and len(set(chain.nodes)) == k + 1
    assert tree.relation[(chain.nodes[0], chain.nodes[-1])] == target == chain.target
    for a, r, b in chain.facts():
        assert tree.relation[(a, b)] == r
    for a, r, c, b, r1, r2 in chain.steps:
        assert RULES.compose[(r1, r2)] == r
        assert tree.relation[(a, b)] == r1 and tree.relation[(b, c)] == r2


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_noise_facts_are_true_and_introduce_only_new_people(seed):
    tree = tree_for(seed % 5, generations=5)
    rng = RandomStream.from_parts("noise", seed)
    chain = backward_chain(rng, tree, "grand", 3)
    if chain is None:
        return
    noise = add_noise(rng, tree, chain, 2, 2, 2)
    if noise is None:
        return
    for a, r, b in noise.supporting + noise.irrelevant + noise.disconnected:
        assert tree.relation[(a, b)] == r
    x, _, y = noise.supporting[0]
    _, _, z = noise.supporting[1]
    assert y not in chain.nodes and chain.nodes.index(z) == chain.nodes.index(x) + 1
    assert all(a in chain.nodes and b not in chain.nodes for a, _, b in noise.irrelevant)
    assert all(a not in chain.nodes and b not in chain.nodes for a, _, b in noise.disconnected)
    pairs = [frozenset((a, b)) for a, _, b in noise.disconnected]
    assert len(set(pairs)) == len(pairs)
