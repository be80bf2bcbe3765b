"""What each task asks, in words a language model reads before the examples.

One entry per built-in task: a short description of the rule behind the
records, written so that a reader who sees only the description and a few
examples knows what to output. A task without an entry (a plugin, a new
task) gets :func:`description_for`'s generic text built from its
``summary``, so adding a task needs no change here.
"""

from __future__ import annotations

from genforge.core.registry import get_task

DESCRIPTIONS: dict[str, str] = {
    "addition": ("Add the two numbers. The instruction names the digit format (plain, reversed output, index "
                 "hints or padding); write the sum in the same format."),
    "multiplication": ("Multiply the two numbers. The instruction names the digit format (plain, reversed output, "
                       "index hints or padding); write the product in the same format."),
    "algorithmic": ("Apply the operation named by the instruction (count, mode, copy, sort, reverse or parity) "
                    "to the space-separated list of numbers and write the result as space-separated numbers."),
    "cogs": ("Translate the English sentence into its logical form in COGS's notation: definite nouns first "
             "as '* noun ( x _ i ) ;', then the predicates joined by ' AND ', with variables 'x _ i' named by "
             "word position and roles such as 'verb . agent ( x _ 1 , x _ 3 )'."),
    "comparison": ("Each entity has a fixed value for each attribute. Answer the question about one entity's "
                   "attribute value, or compare two entities on an attribute with <, = or >."),
    "hint": ("Evaluate the arithmetic expression over single digits. '-' is truncated at zero (max(0, a - b)) "
             "and '/' rounds up (ceiling division). Write the value as a whole number."),
    "kinship": ("Read the family story and answer the query: how is the last person related to the first? "
                "Write one kinship word such as 'daughter-in-law'."),
    "markov": ("Run the Markov algorithm given by the instruction on the input: repeatedly apply the first rule "
               "whose left side occurs, at its leftmost occurrence; stop after a terminal rule fires or when no "
               "rule applies. Write the final string."),
    "pcfg_set": ("Evaluate the prefix expression of string functions (copy, reverse, shift, echo, swap_first_last, "
                 "repeat, append, prepend, remove_first, remove_second) and write the resulting symbols separated "
                 "by spaces."),
    "relation_algebra": ("The input is a graph of relations between regions, intervals or people along every path "
                         "from the first node to the last. Compose the relations along each path and intersect the "
                         "paths; write the single relation that holds between the first and the last node."),
    "rewrite": ("Apply the rewrite rule 'x -> y' given by the instruction once: replace the leftmost occurrence "
                "of x in the input by y. If x does not occur, write the input unchanged."),
    "scan": ("Translate the navigation command into the sequence of actions it means (I_WALK, I_RUN, I_JUMP, "
             "I_LOOK, I_TURN_LEFT, I_TURN_RIGHT), separated by spaces."),
    "scan_scaled": ("Translate the command into the sequence of action tokens it means, separated by spaces, "
                    "following the grammar of SCAN (verbs, directions, repetitions and conjunctions)."),
    "symbolic": ("Apply the algebraic identity given by the instruction, read as a rewrite rule 'left -> right', "
                 "once to the expression, at its first match in pre-order. Write the rewritten expression."),
    "two_hop": ("Each entity is linked to others by relations in a fixed knowledge graph. Answer the question "
                "by following the relations: write the entity that is reached."),
}


def description_for(task: str) -> str:
    """The task description shown before the examples.

    >>> description_for("rewrite").startswith("Apply the rewrite rule")
    True
    """
    if task in DESCRIPTIONS:
        return DESCRIPTIONS[task]
    summary = get_task(task).summary.strip()
    if summary:
        return f"Task: {summary}. Write only the answer."
    return f"Task {task}: give the output for the input. Write only the answer."
