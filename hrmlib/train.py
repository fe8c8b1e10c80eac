"""Training and evaluation: Adam, shuffled batches, validation every epoch, RecBole's early stopping."""

from __future__ import annotations

import os
import platform
import random
import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from hrmlib.config import Config
from hrmlib.data import SeqData, Split, prepare
from hrmlib.metrics import metrics_from_ranks, target_ranks
from hrmlib.model import HRM


def pick_device(name: str = "auto") -> torch.device:
    """CUDA when it is there and `name` is "auto", else what `name` says."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} was asked for but torch sees no CUDA device; use 'auto' or 'cpu'")
    return torch.device(name)


def machine(device: torch.device) -> dict[str, str | int]:
    """What a result was computed on, to be stored beside it."""
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    else:
        name = _cpu_model() or platform.processor() or platform.machine()
    return {"device": device.type, "device_name": name, "threads": torch.get_num_threads(), "torch": torch.__version__}


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip() + f" ({os.cpu_count()} cores)"
    except OSError:
        pass
    return None


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (dropout, initialisation, negative sampling)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@torch.no_grad()
def evaluate(
    model: HRM, data: SeqData, split: Split, topk: tuple[int, ...] = (10,), batch_size: int = 8192
) -> dict[str, float]:
    """Full-ranking metrics of `model` on one split (every item scored, padding excluded)."""
    model.eval()
    history = data.history(split, model.config.high_order)
    targets = data.targets(split)
    ranks = []
    for start in range(0, len(split), batch_size):
        batch = slice(start, start + batch_size)
        h = model(split.users[batch], history[batch])
        ranks.append(target_ranks(model.scores(h), targets[batch]))
    return metrics_from_ranks(torch.cat(ranks), topk)


def popularity(data: SeqData) -> torch.Tensor:
    """How often each item occurs in the training part of the sequences: (n_items + 1,).

    Scoring every item by it, the same for every user, is the baseline a
    sequential model has to beat.
    """
    in_training = torch.ones(data.n_interactions, dtype=torch.bool, device=data.items.device)
    in_training[data.valid.positions] = False
    in_training[data.test.positions] = False
    return torch.bincount(data.items[in_training], minlength=data.n_items + 1).float()


def evaluate_popularity(data: SeqData, split: Split, topk: tuple[int, ...] = (10,)) -> dict[str, float]:
    """Full-ranking metrics of the popularity baseline on one split."""
    scores = popularity(data).expand(len(split), -1)  # (n, n_items + 1), a view: no copy per user
    return metrics_from_ranks(target_ranks(scores, data.targets(split)), topk)


@torch.no_grad()
def recommend(model: HRM, data: SeqData, split: Split, k: int = 10) -> torch.Tensor:
    """The k best items for each example of `split` (padding never among them): (n, k)."""
    model.eval()
    h = model(split.users, data.history(split, model.config.high_order))
    scores = model.scores(h)
    scores[:, 0] = -torch.inf
    return scores.topk(k, dim=1).indices


@dataclass
class Trainer:
    """What one trial trains with, built in a fixed, seeded order by `Trainer.create`."""

    config: Config
    data: SeqData  # on the training device
    model: HRM
    optimizer: torch.optim.Optimizer
    shuffler: torch.Generator
    history: torch.Tensor  # (n_train, high_order): every training example's window, cut once
    targets: torch.Tensor  # (n_train,)

    @classmethod
    def create(cls, config: Config, data: SeqData) -> Trainer:
        device = pick_device(config.device)
        seed_everything(config.seed)
        data = data.to(device)
        model = HRM(data.n_users, data.n_items, config).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
        shuffler = torch.Generator(device=device).manual_seed(config.seed)
        history, targets = data.history(data.train, config.high_order), data.targets(data.train)
        return cls(config, data, model, optimizer, shuffler, history, targets)

    def epoch(self) -> float:
        """One pass over the training examples in a fresh random order; returns the mean loss."""
        users = self.data.train.users
        self.model.train()
        order = torch.randperm(len(users), generator=self.shuffler, device=users.device)
        loss_sum = torch.zeros((), device=users.device)
        for start in range(0, len(order), self.config.batch_size):
            batch = order[start : start + self.config.batch_size]
            loss = self.model.loss(users[batch], self.history[batch], self.targets[batch])
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            loss_sum += loss.detach() * len(batch)  # stays on the device: no sync per batch
        return loss_sum.item() / len(order)

    def evaluate(self, split: Split) -> dict[str, float]:
        """Full-ranking metrics of the model as it is now on one split of `self.data`."""
        return evaluate(self.model, self.data, split, self.config.topk, self.config.eval_batch_size)


def fit(
    config: Config, data: SeqData | None = None, root: str | None = None, progress: bool = True
) -> tuple[dict, HRM]:
    """Train one trial and test its best epoch.

    Validation after every epoch; a validation `valid_metric` >= the best so
    far counts as an improvement (RecBole's rule) and keeps a copy of the
    weights; `stopping_step + 1` epochs in a row without one end the run. The
    test metrics are those of the kept weights.

    Returns the result (config, per-epoch history, best epoch, valid and test
    metrics, seconds, machine; ready for JSON) and the trained model.
    """
    started = time.perf_counter()
    trainer = Trainer.create(config, data if data is not None else prepare(config, root))
    model, data = trainer.model, trainer.data

    best_score, best_epoch, best_state, waited = -float("inf"), -1, None, 0
    epochs = []
    bar = tqdm(range(config.epochs), desc=f"HRM ho={config.high_order} lr={config.learning_rate}", disable=not progress)
    for epoch in bar:
        tick = time.perf_counter()
        loss = trainer.epoch()
        train_seconds = time.perf_counter() - tick
        valid = trainer.evaluate(data.valid)
        epochs.append(
            {
                "epoch": epoch,
                "loss": loss,
                "train_seconds": train_seconds,
                "eval_seconds": time.perf_counter() - tick - train_seconds,
                "valid": valid,
            }
        )
        score = valid[config.valid_metric]
        if score >= best_score:
            best_score, best_epoch, waited = score, epoch, 0
            best_state = {name: value.detach().clone() for name, value in model.state_dict().items()}
        else:
            waited += 1
        bar.set_postfix(loss=f"{epochs[-1]['loss']:.4f}", **{config.valid_metric: f"{score:.4f}"}, best=best_epoch)
        if waited > config.stopping_step:
            break

    model.load_state_dict(best_state)
    test = trainer.evaluate(data.test)
    result = {
        "config": config.to_dict(),
        "key": config.key(),
        "data": data.stats(),
        "best_epoch": best_epoch,
        "epochs_run": len(epochs),
        "seconds": time.perf_counter() - started,
        "valid": epochs[best_epoch]["valid"],
        "test": test,
        "history": epochs,
        "machine": machine(data.items.device),
    }
    return result, model
