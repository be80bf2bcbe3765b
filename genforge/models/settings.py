"""What a reference-model run is asked for, and the torch set-up that makes it repeatable."""

from __future__ import annotations

import os
from dataclasses import dataclass

from genforge.core.errors import UsageError

ARCHITECTURES = ("transformer", "lstm")
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class Settings:
    arch: str = "transformer"
    epochs: int = 10
    seed: int = 0
    width: int = 128
    heads: int = 4
    layers: int = 2
    dropout: float = 0.1
    batch_size: int = 64
    learning_rate: float = 5e-4
    #: Epochs without a better validation loss before training stops.
    patience: int = 3
    #: Longest source or target in tokens: longer training examples are left out, longer test
    #: sources cut, and no prediction grows past it (bounds memory with batch_size).
    max_length: int = 512
    tokens: str = "auto"
    threads: int = 1
    device: str = "auto"

    def __post_init__(self):
        if self.arch not in ARCHITECTURES:
            raise UsageError(f"--arch {self.arch!r}: expected one of {', '.join(ARCHITECTURES)}")
        if self.device not in DEVICES:
            raise UsageError(f"--device {self.device!r}: expected one of {', '.join(DEVICES)}")
        if self.arch == "transformer" and self.width % self.heads:
            raise UsageError(f"--width {self.width} is not a multiple of --heads {self.heads}: the Transformer "
                             "splits its width evenly between heads")
        for name in ("epochs", "width", "heads", "layers", "batch_size", "max_length", "threads", "patience"):
            if getattr(self, name) < 1:
                raise UsageError(f"--{name.replace('_', '-')} {getattr(self, name)}: must be at least 1")


def set_up_torch(settings: Settings):
    """Seed, threads and determinism; returns the device to train on.

    CPU: the same seed, thread count and torch version give the same weights
    and predictions byte for byte. CUDA: deterministic kernels are asked for
    too (with the cuBLAS workspace setting they need), so a rerun on the same
    GPU model, driver and torch version repeats itself, but the numbers differ
    from the CPU's and between GPU models.
    """
    from genforge.models import require_torch

    torch = require_torch()
    # Must be set before CUDA starts for cuBLAS to be deterministic.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.set_num_threads(settings.threads)
    torch.manual_seed(settings.seed)
    torch.use_deterministic_algorithms(True)
    if settings.device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA GPU is visible to PyTorch; use --device cpu or auto")
    use_cuda = settings.device == "cuda" or (settings.device == "auto" and torch.cuda.is_available())
    if use_cuda:
        torch.backends.cudnn.benchmark = False
    return torch.device("cuda" if use_cuda else "cpu")
