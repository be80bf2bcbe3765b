"""GenBench taxonomy labels for every split (Hupkes et al. 2023, "A taxonomy and
review of generalization research in NLP", Nature Machine Intelligence 5).

Each genforge split names its shift (``iid``, ``length``, ``domain``,
``instruction``, ``complexity`` ...). The taxonomy's axes are derived from it:

* generalisation type: what the test probes (``compositional``, ``structural``,
  ``across_task``, ``across_language``, ``across_domain``, ``robustness``);
* shift type: which distribution moves between train and test. genforge's
  targets are a deterministic function of the input (the oracle), so p(y|x) is
  fixed and every out-of-distribution split is a ``covariate`` shift;
* shift source: data and shift are both produced by the generator, so
  ``fully_generated_data``;
* shift locus: train and test are both ours, so ``train-test``.

In-distribution splits (train, validation, test_id) carry no shift: their
generalisation type and shift fields are null.
"""

from __future__ import annotations

from typing import Optional

from genforge.core.splits import SEEN

GENERALISATION_TYPES = ("compositional", "structural", "across_task", "across_language", "across_domain", "robustness")

#: shift label (or a word in it) -> generalisation type. Unlisted labels are
#: compositional: every genforge OOD split recombines or extends known parts.
_BY_SHIFT_WORD = {
    "instruction": "across_task",
    "task": "across_task",
    "rule": "across_task",
    "function": "across_task",
    "domain": "across_domain",
    "language": "across_language",
    "lingual": "across_language",
    "noise": "robustness",
    "robustness": "robustness",
    "perturbation": "robustness",
    "distractor": "robustness",
    "structure": "structural",
    "structural": "structural",
    "depth": "structural",
    "nesting": "structural",
    "syntax": "structural",
}


def generalisation_type(shift: str) -> Optional[str]:
    """The taxonomy's generalisation type for a genforge shift label (None for iid, and for a probe
    split that repeats train records: shift ``seen``)."""
    if shift in ("iid", SEEN):
        return None
    if shift in GENERALISATION_TYPES:
        return shift
    for word in shift.lower().replace("-", "_").split("_"):
        if word in _BY_SHIFT_WORD:
            return _BY_SHIFT_WORD[word]
    return "compositional"


def split_role(index: int, name: str) -> str:
    if index == 0:
        return "train"
    return "validation" if name.startswith("valid") else "test"


def split_labels(index: int, name: str, shift: str) -> dict:
    """GenBench fields of one split (index is its position in the plan; 0 is train)."""
    kind = generalisation_type(shift)
    shifted = kind is not None and index > 0
    return {
        "role": split_role(index, name),
        "shift": shift,
        "in_distribution": not shifted,
        "generalisation_type": kind if shifted else None,
        "shift_type": "covariate" if shifted else None,
        "shift_source": "fully_generated_data" if shifted else None,
        "shift_locus": "train-test" if shifted else None,
    }


def genbench_card(suite_name: str, canary: str, tasks: list[dict]) -> dict:
    """``genbench_card.json``: tasks [{task, task_version, split_plan, splits[{name, ...labels}]}]."""
    return {
        "taxonomy": "GenBench (Hupkes et al. 2023)",
        "suite": suite_name,
        "canary": canary,
        "data_source": "fully_generated_data",
        "tasks": [
            {
                "task": entry["task"],
                "task_version": entry["task_version"],
                "split_plan": entry["split_plan"],
                "splits": [
                    {"name": split["name"], "description": split["description"],
                     **split_labels(index, split["name"], split["shift"])}
                    for index, split in enumerate(entry["splits"])
                ],
            }
            for entry in tasks
        ],
    }
