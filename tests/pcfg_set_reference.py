"""An evaluator for PCFG SET written from the paper's definitions, sharing no code with genforge.

It reads the prefix expression right to left with a stack (the genforge
interpreter parses left to right into a tree), so the two agree only if both
follow the definitions.
"""

UNARY = {
    "copy": lambda x: x,
    "reverse": lambda x: x[::-1],
    "shift": lambda x: x[1:] + x[:1],
    "echo": lambda x: x + [x[-1]],
    "swap_first_last": lambda x: [x[-1]] + x[1:-1] + [x[0]] if len(x) > 1 else x,
    "repeat": lambda x: x + x,
}
BINARY = {
    "append": lambda x, y: x + y,
    "prepend": lambda x, y: y + x,
    "remove_first": lambda x, y: y,
    "remove_second": lambda x, y: x,
}


def base(token):
    return token[:-5] if token.endswith("_twin") else token


def is_function_token(token):
    return base(token) in UNARY or base(token) in BINARY


#: Published exception pairs (Hupkes et al. 2020) -> the functions their two words are read as.
PUBLISHED = {
    ("reverse", "echo"): ("copy", "echo"),
    ("prepend", "remove_first"): ("remove_second", "append"),
    ("echo", "remove_first"): ("copy", "append"),
    ("prepend", "reverse"): ("remove_second", "echo"),
}
MEANING = {**UNARY, **BINARY}


def reference_value(text, exceptions=()):
    """The target of ``text`` (a list of symbols). ``exceptions`` are (parent, child) pairs of adjacent
    words (child the first argument of parent): a published pair reads both words as the functions of
    PUBLISHED; another pair reverses the parent's result. A word is in one pair at most, the leftmost."""
    tokens = text.split()
    matched = set()  # positions of parent words of matched pairs, found left to right
    for i, (f, g) in enumerate(zip(tokens, tokens[1:])):
        if (base(f), base(g)) in exceptions and i not in matched and i - 1 not in matched:
            matched.add(i)
    stack = []  # entries: (symbols, argument symbol lists of the function that produced them or None)
    run = []

    def flush():
        if run:
            stack.append((list(reversed(run)), None))
            run.clear()

    for position in range(len(tokens) - 1, -1, -1):
        token = tokens[position]
        if token == ",":
            flush()
        elif is_function_token(token):
            flush()
            name = base(token)
            arguments = [stack.pop()] if name in UNARY else [stack.pop(), stack.pop()]
            values = [value for value, _ in arguments]
            if position in matched:
                child = base(tokens[position + 1])
                parent_as, child_as = PUBLISHED.get((name, child), (name, child))
                inner = MEANING[child_as](*arguments[0][1])
                value = MEANING[parent_as](inner, *values[1:])
                if (name, child) not in PUBLISHED:
                    value = value[::-1]
            else:
                value = MEANING[name](*values)
            stack.append((value, values))
        else:
            run.append(token)
    flush()
    assert len(stack) == 1, f"not one expression: {text!r}"
    return stack[0][0]


def adjacent_pairs(text):
    """(parent, child) base names of adjacent function words: child is parent's first argument."""
    tokens = text.split()
    return {(base(f), base(g)) for f, g in zip(tokens, tokens[1:]) if is_function_token(f) and is_function_token(g)}


def parent_child_pairs(text):
    """(parent, child) names as written, child's output a direct argument of parent."""
    stack = []  # producer name (as written) of each pending argument, None for a string
    run = False
    pairs = []
    for token in reversed(text.split()):
        if token == "," or is_function_token(token):
            if run:
                stack.append(None)
                run = False
            if token == ",":
                continue
            arguments = [stack.pop()] if base(token) in UNARY else [stack.pop(), stack.pop()]
            pairs.extend((token, child) for child in arguments if child)
            stack.append(token)
        else:
            run = True
    return pairs


def function_tokens(text):
    return [token for token in text.split() if is_function_token(token)]
