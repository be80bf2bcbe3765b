"""Training one reference model per task, with early stopping on validation loss, and greedy decoding."""

from __future__ import annotations

import copy
import random
import time
from dataclasses import dataclass, field

import torch
from torch import nn

from genforge.core.errors import UsageError
from genforge.models.data import TaskData
from genforge.models.lstm import LstmSeq2Seq
from genforge.models.progress import TrainingProgress
from genforge.models.settings import Settings
from genforge.models.tokens import BOS, EOS, Tokenizer
from genforge.models.transformer import TransformerSeq2Seq


@dataclass
class TrainingReport:
    task: str
    tokens: str
    examples: int
    left_out_too_long: int
    parameters: int
    epochs_run: int
    best_epoch: int
    best_validation_loss: float | None
    seconds: float
    #: Split -> number of test sources cut to max_length.
    cut_sources: dict = field(default_factory=dict)


def build_model(settings: Settings, tokenizer: Tokenizer) -> nn.Module:
    model_class = TransformerSeq2Seq if settings.arch == "transformer" else LstmSeq2Seq
    return model_class(len(tokenizer.source), len(tokenizer.target), width=settings.width, heads=settings.heads,
                       layers=settings.layers, dropout=settings.dropout, max_length=settings.max_length)


def pad(rows: list[list[int]], device) -> torch.Tensor:
    width = max(len(row) for row in rows)
    return torch.tensor([row + [0] * (width - len(row)) for row in rows], dtype=torch.long, device=device)


def encode_pairs(tokenizer: Tokenizer, records: list[dict], max_length: int) -> tuple[list, int]:
    """(source ids, target ids) of the records that fit in max_length, and how many did not."""
    pairs = [(tokenizer.encode_source(r), tokenizer.encode_target(r)) for r in records]
    kept = [(s, t) for s, t in pairs if len(s) <= max_length and len(t) <= max_length + 2]
    return kept, len(pairs) - len(kept)


def batches(pairs: list, size: int, shuffle: random.Random | None):
    """Batches of similar length (less padding): sorted within pools of 50 batches, then shuffled."""
    order = list(range(len(pairs)))
    if shuffle is not None:
        shuffle.shuffle(order)
    pool = size * 50
    chunks = []
    for start in range(0, len(order), pool):
        block = sorted(order[start:start + pool], key=lambda i: len(pairs[i][0]))
        chunks += [block[i:i + size] for i in range(0, len(block), size)]
    if shuffle is not None:
        shuffle.shuffle(chunks)
    return chunks


def batch_loss(model, pairs, indices, loss_function, device):
    source = pad([pairs[i][0] for i in indices], device)
    target = pad([pairs[i][1] for i in indices], device)
    logits = model(source, target[:, :-1])
    return loss_function(logits.reshape(-1, logits.size(-1)), target[:, 1:].reshape(-1))


def validation_loss(model, pairs, settings, loss_function, device) -> float:
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for indices in batches(pairs, settings.batch_size, None):
            total += batch_loss(model, pairs, indices, loss_function, device).item() * len(indices)
            count += len(indices)
    model.train()
    return total / max(count, 1)


def train(data: TaskData, tokenizer: Tokenizer, settings: Settings, device, progress_mode: str):
    """The trained model (its best validation epoch's weights) and a report of the run."""
    started = time.monotonic()
    pairs, too_long = encode_pairs(tokenizer, data.train, settings.max_length)
    if not pairs:
        raise UsageError(f"{data.task}: every training example is longer than --max-length {settings.max_length} "
                         "tokens; raise --max-length")
    validation, _ = encode_pairs(tokenizer, data.validation, settings.max_length)
    model = build_model(settings, tokenizer).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate)
    loss_function = nn.CrossEntropyLoss(ignore_index=0)
    shuffle = random.Random(settings.seed)
    steps_per_epoch = len(batches(pairs, settings.batch_size, None))
    progress = TrainingProgress(data.task, steps_per_epoch * settings.epochs, progress_mode)
    best_loss, best_state, best_epoch, stale, step, epoch = None, None, 0, 0, 0, 0
    model.train()
    for epoch in range(1, settings.epochs + 1):
        for indices in batches(pairs, settings.batch_size, shuffle):
            optimizer.zero_grad()
            loss = batch_loss(model, pairs, indices, loss_function, device)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            progress.update(step, loss.item())
        if not validation:
            progress.note(f"epoch {epoch}: train loss {loss.item():.4f} (no validation split: all epochs run)")
            continue
        current = validation_loss(model, validation, settings, loss_function, device)
        progress.note(f"epoch {epoch}: validation loss {current:.4f}")
        if best_loss is None or current < best_loss:
            best_loss, best_state, best_epoch, stale = current, copy.deepcopy(model.state_dict()), epoch, 0
        else:
            stale += 1
            if stale >= settings.patience:
                progress.note(f"no better validation loss for {stale} epochs: stopping, keeping epoch {best_epoch}")
                break
    progress.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        best_epoch = epoch
    parameters = sum(p.numel() for p in model.parameters())
    report = TrainingReport(data.task, tokenizer.kind, len(pairs), too_long, parameters, epoch, best_epoch,
                            best_loss, time.monotonic() - started)
    return model, report


def decode_limit(tokenizer: Tokenizer, data: TaskData, settings: Settings) -> int:
    """Longest prediction in tokens: twice the longest training target and 10 more, within max_length.

    Room for length splits (longer outputs than in training) without letting a
    model that never emits the end token run to max_length on every record.
    """
    longest = max(len(tokenizer.target.encode(r["target"])) for r in data.train)
    return min(settings.max_length, 2 * longest + 10)


def greedy_decode(model, tokenizer: Tokenizer, records: list[dict], settings: Settings, limit: int, device,
                  progress: TrainingProgress | None = None) -> tuple[list[str], int]:
    """Predicted text per record (in order), and how many sources were cut to max_length."""
    sources = [tokenizer.encode_source(r) for r in records]
    cut = sum(len(s) > settings.max_length for s in sources)
    sources = [s[: settings.max_length] or [0] for s in sources]
    predictions: list[str] = [""] * len(records)
    bos, eos = tokenizer.target.index[BOS], tokenizer.target.index[EOS]
    model.eval()
    with torch.no_grad():
        for done, indices in enumerate(batches([(s, None) for s in sources], settings.batch_size, None), 1):
            encoded = model.encode(pad([sources[i] for i in indices], device))
            cache = model.start(encoded)
            output = torch.full((len(indices), 1), bos, dtype=torch.long, device=device)
            finished = torch.zeros(len(indices), dtype=torch.bool, device=device)
            for position in range(limit + 1):
                following = model.step(encoded, cache, output[:, -1], position).argmax(dim=-1)
                following = following.masked_fill(finished, 0)
                output = torch.cat([output, following.unsqueeze(1)], dim=1)
                finished |= following.eq(eos)
                if bool(finished.all()):
                    break
            for row, index in enumerate(indices):
                predictions[index] = tokenizer.target.decode(output[row, 1:].tolist())
            if progress is not None:
                progress.update(done)
    return predictions, cut
