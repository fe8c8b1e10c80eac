"""Every setting of a trial in one dataclass; the defaults are RecBole's ML-1M protocol.

`Config` is checked when it is created, so a bad value fails at once with a
message that names the field and what it may be, never halfway through a run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

DATASETS = ("ml-1m", "ml-100k", "synthetic")
POOLINGS = ("max", "average")
LOSSES = ("CE", "BPR")
TIE_ORDERS = ("file", "reversed", "random")
METRICS = ("recall", "mrr", "ndcg", "hit", "precision")


@dataclass(frozen=True)
class Config:
    """One trial: the data protocol, the model, training and evaluation.

    Defaults reproduce RecBole's ML-1M benchmark for HRM; `high_order` and
    `learning_rate` default to the published best of the grid (3, 0.0005).
    """

    # data (protocol.md, "Data" and "Examples and split")
    dataset: str = "ml-1m"
    min_rating: int = 3  # keep ratings >= this
    k_core: int = 10  # users and items need >= k interactions, repeated to a fixed point
    max_history: int = 50  # MAX_ITEM_LIST_LENGTH: a history keeps its last 50 items
    tie_order: str = "file"  # order of a user's ratings with equal timestamps
    tie_seed: int = 0  # only used by tie_order="random"; stored as 0 for the other orders
    # model
    embedding_size: int = 64
    high_order: int = 3  # layer 1 pools the last `high_order` items
    dropout: float = 0.2
    pooling_layer_1: str = "max"
    pooling_layer_2: str = "max"
    loss: str = "CE"
    # training
    learning_rate: float = 0.0005
    weight_decay: float = 0.0
    batch_size: int = 4096
    epochs: int = 500
    stopping_step: int = 10  # stop after stopping_step + 1 evaluations without improvement
    seed: int = 2020
    device: str = "auto"  # "auto" picks CUDA when available, else CPU
    # evaluation
    topk: tuple[int, ...] = (10,)
    valid_metric: str = "ndcg@10"
    eval_batch_size: int = 8192

    def __post_init__(self) -> None:
        object.__setattr__(self, "topk", tuple(int(k) for k in self.topk))
        if self.tie_order != "random":  # the seed changes nothing then: one trial, one key
            object.__setattr__(self, "tie_seed", 0)
        _choice("dataset", self.dataset, DATASETS)
        _choice("tie_order", self.tie_order, TIE_ORDERS)
        _choice("pooling_layer_1", self.pooling_layer_1, POOLINGS)
        _choice("pooling_layer_2", self.pooling_layer_2, POOLINGS)
        _choice("loss", self.loss, LOSSES)
        _choice("device", self.device.split(":")[0], ("auto", "cpu", "cuda"))
        _int_range("min_rating", self.min_rating, 0, 5)
        _int_range("k_core", self.k_core, 1, 10**6)
        _int_range("max_history", self.max_history, 1, 10**4)
        _int_range("high_order", self.high_order, 1, self.max_history)
        _int_range("embedding_size", self.embedding_size, 1, 10**5)
        _int_range("batch_size", self.batch_size, 1, 10**8)
        _int_range("eval_batch_size", self.eval_batch_size, 1, 10**8)
        _int_range("epochs", self.epochs, 1, 10**6)
        _int_range("stopping_step", self.stopping_step, 0, 10**6)
        _int_range("seed", self.seed, 0, 2**63 - 1)
        _int_range("tie_seed", self.tie_seed, 0, 2**63 - 1)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if not self.weight_decay >= 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay}")
        if not self.topk or min(self.topk) < 1:
            raise ValueError(f"topk must be a non-empty list of integers >= 1, got {self.topk}")
        name, _, k = self.valid_metric.partition("@")
        if name not in METRICS or not k.isdigit() or int(k) not in self.topk:
            raise ValueError(
                f"valid_metric must be one of {METRICS} at a K in topk {self.topk}, "
                f"like 'ndcg@10'; got {self.valid_metric!r}"
            )

    @classmethod
    def from_dict(cls, values: dict) -> Config:
        """Build a Config from a plain dict (a results file, JSON, papermill parameters)."""
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; the fields are listed in hrmlib.Config")
        return cls(**values)

    def to_dict(self) -> dict:
        """The settings as plain JSON-ready values."""
        values = dataclasses.asdict(self)
        values["topk"] = list(self.topk)
        return values

    def replace(self, **changes) -> Config:
        """A copy with some settings changed (and validated again)."""
        return dataclasses.replace(self, **changes)

    def key(self) -> str:
        """A short stable hash of every setting that can change a result.

        `device` is left out on purpose: a trial is the same trial on CPU or GPU.
        """
        values = self.to_dict()
        values.pop("device")
        blob = json.dumps(values, sort_keys=True).encode()
        return hashlib.sha1(blob).hexdigest()[:8]


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")


def _int_range(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer in {low}..{high}, got {value!r}")
