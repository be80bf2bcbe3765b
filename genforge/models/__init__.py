"""Reference models: a small seq2seq Transformer or LSTM trained on a generated folder.

``genforge reference-model FOLDER`` trains one model per task on the train
split (early stopping on validation where the plan has one), decodes every
other split greedily and writes predictions that ``genforge evaluate`` reads.
The point is evidence that a split opens the generalization gap its paper
reports, not a strong model.

Only :mod:`genforge.models.tokens` and :mod:`genforge.models.data` work without
PyTorch; the rest needs the ``models`` extra (``pip install 'genforge[models]'``).
:func:`require_torch` turns a missing install into a usage error (exit 2).
"""

from __future__ import annotations

from genforge.core.errors import UsageError

INSTALL_HINT = ("the reference models need PyTorch: install the 'models' extra, e.g. "
                "pip install 'genforge[models]' (the CPU wheel is enough)")


def require_torch():
    """The ``torch`` module, or a UsageError saying how to install it."""
    try:
        import torch
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    return torch
