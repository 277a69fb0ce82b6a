"""A weighted, binary-aware softmax head: the fit of sentiment v3 and of the sentiment-head probes.

Every source's rows share that source's total weight, and rows of a binary source (SST-2: negative or positive,
no neutral) train only the negative and positive logits, so a large set without a neutral class does not teach
"never neutral". The temperature is fitted by NLL on a held-out share of the three-class rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from models.training.metrics import fit_temperature

BATCH = 256
CALIBRATION_SHARE = 0.05


def train_head(
    parts: Sequence[tuple[np.ndarray, np.ndarray, float, bool]],
    *,
    hidden: int,
    epochs: int = 8,
    lr: float = 2e-3,
    seed: int = 0,
) -> tuple[Callable[[np.ndarray], np.ndarray], float, torch.nn.Module]:
    """Fit a linear (``hidden=0``) or MLP head; returns (calibrated proba function, temperature, the network).

    ``parts`` are (embeddings, label indices, total weight, binary) per source: a source's rows share its
    weight equally, and binary rows are scored by cross-entropy over negative and positive only.
    """
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    x = torch.tensor(np.concatenate([p[0] for p in parts]), dtype=torch.float32)
    y = torch.tensor(np.concatenate([p[1] for p in parts]), dtype=torch.long)
    w = torch.tensor(np.concatenate([np.full(len(p[1]), p[2] / len(p[1])) for p in parts]), dtype=torch.float32)
    binary = torch.tensor(np.concatenate([np.full(len(p[1]), p[3]) for p in parts]))
    w = w / w.mean()
    order = torch.randperm(len(y), generator=gen)
    n_cal = max(1, int(len(y) * CALIBRATION_SHARE))
    cal, fit_rows = order[:n_cal], order[n_cal:]
    dim = x.shape[1]
    net: torch.nn.Module = (
        torch.nn.Linear(dim, 3)
        if hidden == 0
        else torch.nn.Sequential(
            torch.nn.Dropout(0.1),
            torch.nn.Linear(dim, hidden),
            torch.nn.GELU(),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(hidden, 3),
        )
    )
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * (len(fit_rows) // BATCH + 1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    no_neutral = torch.tensor([0.0, -1e4, 0.0])
    net.train()
    for _ in range(epochs):
        shuffled = fit_rows[torch.randperm(len(fit_rows), generator=gen)]
        for start in range(0, len(shuffled), BATCH):
            idx = shuffled[start : start + BATCH]
            logits = net(x[idx]) + binary[idx, None].float() * no_neutral
            loss = (torch.nn.functional.cross_entropy(logits, y[idx], reduction="none") * w[idx]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    net.eval()
    cal3 = cal[~binary[cal]]
    with torch.no_grad():
        cal_logits, cal_y = net(x[cal3]), y[cal3]
    temperature = fit_temperature(cal_logits.numpy(), cal_y.numpy())

    def proba(emb: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return torch.softmax(net(torch.tensor(emb, dtype=torch.float32)) / temperature, dim=1).numpy()

    return proba, temperature, net
