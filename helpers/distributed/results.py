"""What a worker reports, and how two runs' weights are compared (NumPy only: no TensorFlow import)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class WorkerResult:
    """One worker's (or one process's) final report: its per-epoch mean training losses (epochs from 1), the
    checksum of its final weights, the epoch it last started from (1 unless it resumed from a checkpoint), the
    weights themselves, and the seconds of its training loop (model set-up and data included, imports not)."""

    index: int
    losses: dict[int, float]
    checksum: str
    first_epoch: int
    weights: list[np.ndarray] = field(repr=False)
    seconds: float

    @property
    def final_loss(self) -> float:
        return self.losses[max(self.losses)]


def weights_checksum(weights: Sequence[np.ndarray]) -> str:
    """The first 12 hex digits of the SHA-256 of the weights' float32 bytes, in order: equal checksums mean the
    same weights bit for bit."""
    digest = hashlib.sha256()
    for w in weights:
        digest.update(np.ascontiguousarray(w, dtype=np.float32).tobytes())
    return digest.hexdigest()[:12]


def max_weight_difference(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> float:
    """The largest absolute difference between two models' weights, array by array."""
    if len(a) != len(b) or any(np.shape(x) != np.shape(z) for x, z in zip(a, b, strict=False)):
        raise ValueError("the two models' weights differ in number or shape: they are not the same model.")
    pairs = zip(a, b, strict=True)
    return max(float(np.max(np.abs(np.asarray(x, np.float64) - np.asarray(z, np.float64)))) for x, z in pairs)
