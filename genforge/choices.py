"""Values the CLI's options show in ``--help`` (choices, defaults), in a module that imports nothing.

They live here, not in genforge.evaluate, so that registering the commands (and ``genforge --help``)
does not import the evaluation package; genforge.evaluate imports them from here.
"""

#: Exact match at or above which a trivial baseline flags a split.
TRIVIAL_THRESHOLD = 0.5

BASELINES = {
    "copy_input": "the record's input, unchanged",
    "majority_target": "the most frequent target of the task's train split",
    "constant": "one fixed answer (--value)",
}

#: Prompt forms of `genforge prompts`.
PROMPT_FORMATS = ("text", "chat")

#: Default seed of the shot order.
SHOT_SEED = 0
