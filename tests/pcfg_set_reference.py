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


def reference_value(text, exceptions=()):
    """The target of ``text`` (a list of symbols); ``exceptions`` are (parent, child) pairs
    whose parent result is reversed when child's output is a direct argument of parent."""
    stack = []  # entries: (symbols, base name of the function that produced them, or None)
    run = []

    def flush():
        if run:
            stack.append((list(reversed(run)), None))
            run.clear()

    for token in reversed(text.split()):
        if token == ",":
            flush()
        elif is_function_token(token):
            flush()
            name = base(token)
            if name in UNARY:
                arguments = [stack.pop()]
                value = UNARY[name](arguments[0][0])
            else:
                arguments = [stack.pop(), stack.pop()]
                value = BINARY[name](arguments[0][0], arguments[1][0])
            if any((name, producer) in exceptions for _, producer in arguments if producer):
                value = value[::-1]
            stack.append((value, name))
        else:
            run.append(token)
    flush()
    assert len(stack) == 1, f"not one expression: {text!r}"
    return stack[0][0]


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
