"""How fast training and evaluation run, measured against the plain matrix multiplies they cannot avoid.

An epoch of HRM with the CE loss is three matrix multiplies per batch
(logits, gradient of h, gradient of the item table), each batch x items x dim.
`bench` times real training epochs and, on the same machine, those three
multiplies alone for the same shapes and the same number of examples: the
ratio says how much everything else (softmax, gathers, optimizer) costs.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time

import torch

from hrmlib.config import Config
from hrmlib.data import SeqData, prepare
from hrmlib.train import Trainer, machine


def bench(config: Config, data: SeqData | None = None, epochs: int = 2, root: str | None = None) -> dict:
    """Time `epochs` training epochs, full evaluations and the plain-multiply bound."""
    trainer = Trainer.create(config, data if data is not None else prepare(config, root))
    device, n_train = trainer.data.items.device, len(trainer.data.train)
    epoch_seconds = [_timed(trainer.epoch, device) for _ in range(epochs)]
    eval_seconds = [_timed(lambda: trainer.evaluate(trainer.data.valid), device) for _ in range(5)]
    matmul = matmul_seconds(n_train, config.batch_size, trainer.data.n_items + 1, config.embedding_size, device)
    epoch = statistics.median(epoch_seconds)
    return {
        "config": config.to_dict(),
        "n_train": n_train,
        "epoch_seconds": epoch_seconds,
        "seconds_per_epoch": epoch,
        "seconds_per_evaluation": statistics.median(eval_seconds),
        "examples_per_second": n_train / epoch,
        "matmul_seconds_per_epoch": matmul,
        "epoch_over_matmul": epoch / matmul,
        "peak_memory_mib": _peak_memory_mib(device),
        "machine": machine(device),
    }


def matmul_seconds(
    n_examples: int, batch: int, n_rows: int, dim: int, device: torch.device, repeats: int = 10
) -> float:
    """Seconds for one epoch's three multiplies alone, with random inputs of the same shapes.

    Per batch: (batch x dim)(dim x rows), (batch x rows)(rows x dim), (rows x batch)(batch x dim).
    """
    h, weight = torch.randn(batch, dim, device=device), torch.randn(n_rows, dim, device=device)
    logits = torch.empty(batch, n_rows, device=device)

    def step() -> None:
        torch.mm(h, weight.T, out=logits)
        logits @ weight
        logits.T @ h

    step()  # warm up
    seconds = _timed(lambda: [step() for _ in range(repeats)], device) / repeats
    return seconds * n_examples / batch


def _timed(work, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    tick = time.perf_counter()
    work()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - tick


def _peak_memory_mib(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def format_bench(report: dict) -> str:
    """The bench report as a small text table."""
    m = report["machine"]
    rows = [
        ("machine", f"{m['device_name']} ({m['device']}, {m['threads']} threads, torch {m['torch']})"),
        ("training examples", f"{report['n_train']:,}"),
        (
            "seconds per training epoch",
            f"{report['seconds_per_epoch']:.2f}  (each: {', '.join(f'{s:.2f}' for s in report['epoch_seconds'])})",
        ),
        ("plain-multiply seconds per epoch", f"{report['matmul_seconds_per_epoch']:.2f}"),
        ("epoch / plain multiply", f"{report['epoch_over_matmul']:.2f}x"),
        ("training examples per second", f"{report['examples_per_second']:,.0f}"),
        ("seconds per full evaluation", f"{report['seconds_per_evaluation']:.3f}"),
        ("peak memory (MiB)", f"{report['peak_memory_mib']:,.0f}"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
