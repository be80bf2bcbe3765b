"""Training progress on stderr: steps, loss and time left (a tqdm bar on a terminal, lines elsewhere)."""

from __future__ import annotations

import sys
import time
from typing import Optional

from genforge.progress import LINE_INTERVAL, MODES, _duration, _is_sized_terminal


class TrainingProgress:
    """``update(step, loss)`` after each optimizer step; ``note(text)`` for an epoch's summary."""

    def __init__(self, label: str, total_steps: int, mode: str = "auto", stream=None, unit: str = "step"):
        if mode not in MODES:
            raise ValueError(f"progress mode {mode!r}: expected one of {', '.join(MODES)}")
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if _is_sized_terminal(self.stream) else "lines"
        self.mode, self.label, self.total, self.unit = mode, label, total_steps, unit
        self.started = self.last_line = time.monotonic()
        self.bar = None
        if mode == "bar":
            from tqdm import tqdm

            self.bar = tqdm(total=total_steps, desc=f"  {label}", unit=f" {unit}s", file=self.stream,
                            dynamic_ncols=True, leave=True)

    def update(self, step: int, loss: Optional[float] = None) -> None:
        if self.bar is not None:
            self.bar.update(step - self.bar.n)
            if loss is not None:
                self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
            return
        now = time.monotonic()
        if self.mode != "lines" or now - self.last_line < LINE_INTERVAL:
            return
        self.last_line = now
        rate = step / max(now - self.started, 1e-9)
        left = f", about {_duration((self.total - step) / rate)} left at most" if rate > 0 else ""
        loss_text = f", loss {loss:.4f}" if loss is not None else ""
        self._print(f"  {self.label}: {self.unit} {step:,}/{self.total:,}{loss_text}{left}")

    def note(self, text: str) -> None:
        if self.mode == "none":
            return
        if self.bar is not None:
            self.bar.write(f"  {self.label}: {text}", file=self.stream)
        else:
            self._print(f"  {self.label}: {text}")

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def close(self, total_time: Optional[float] = None) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
