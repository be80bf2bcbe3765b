"""The LSTM reference model: an LSTM encoder-decoder with dot-product attention.

Lake & Baroni (2018) found LSTMs with and without attention; attention (as
in Luong et al. 2015) is the common baseline since, and it lets the decoder
read long inputs without squeezing them into one state.
"""

from __future__ import annotations

import torch
from torch import nn


class LstmSeq2Seq(nn.Module):
    def __init__(self, source_size: int, target_size: int, width: int = 128, layers: int = 2,
                 dropout: float = 0.1, **_unused):
        super().__init__()
        self.source_embedding = nn.Embedding(source_size, width, padding_idx=0)
        self.target_embedding = nn.Embedding(target_size, width, padding_idx=0)
        between = dropout if layers > 1 else 0.0
        self.encoder = nn.LSTM(width, width, layers, batch_first=True, dropout=between)
        self.decoder = nn.LSTM(width, width, layers, batch_first=True, dropout=between)
        self.combine = nn.Linear(2 * width, width)
        self.output = nn.Linear(width, target_size)
        self.dropout = nn.Dropout(dropout)

    def encode(self, source: torch.Tensor):
        # Packed, so the final state is the one after the last real token, not after the padding.
        lengths = source.ne(0).sum(dim=1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.dropout(self.source_embedding(source)), lengths,
                                                   batch_first=True, enforce_sorted=False)
        outputs, state = self.encoder(packed)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=source.size(1))
        return outputs, state, source.eq(0)

    def decode(self, encoded, target_in: torch.Tensor) -> torch.Tensor:
        """Logits for every position of ``target_in``; the decoder starts from the encoder's final state."""
        return self._attend(encoded, target_in, encoded[1])[0]

    def start(self, encoded) -> list:
        """The decoder state for :meth:`step`: the encoder's final state."""
        return [encoded[1]]

    def step(self, encoded, cache: list, token: torch.Tensor, position: int) -> torch.Tensor:
        """Logits after ``token``, carrying the LSTM state in ``cache`` (one step's work)."""
        logits, cache[0] = self._attend(encoded, token.unsqueeze(1), cache[0])
        return logits[:, -1]

    def _attend(self, encoded, target_in: torch.Tensor, state):
        memory, _, source_padding = encoded
        hidden, state = self.decoder(self.dropout(self.target_embedding(target_in)), state)
        scores = torch.bmm(hidden, memory.transpose(1, 2)).masked_fill(source_padding.unsqueeze(1), float("-inf"))
        context = torch.bmm(torch.softmax(scores, dim=-1), memory)
        mixed = torch.tanh(self.combine(torch.cat([hidden, context], dim=-1)))
        return self.output(self.dropout(mixed)), state

    def forward(self, source: torch.Tensor, target_in: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(source), target_in)
