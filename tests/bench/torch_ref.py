#!/usr/bin/env python3
"""torch_ref.py: the Self-MI architecture and loss (SPEC sections 1-5, the
defaults: cls text encoder, depth-3 heads, CPC on all three terms, ULG_MI)
in PyTorch on CPU with one thread, run on a selfmi dataset directory, timed
per epoch beside `selfmi train` on the same data with the same settings.

    torch_ref.py DATASET_DIR SELFMI_BINARY [EPOCHS]

Prints both times per epoch (the best epoch after the first) and the
ratio. Both run on the same processor
core (the first this process may use: selfmi inherits the affinity), so
that on a machine whose cores run at different speeds (a shared virtual
machine) the ratio compares like with like. Exits 77 when torch is absent.
"""
import csv
import os
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("torch_ref.py: needs python3-torch and python3-numpy; skipped")
    sys.exit(77)


def load(dirname):
    with open(os.path.join(dirname, "label.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    label = np.array([float(r["label"]) for r in rows], dtype=np.float32)
    mode = np.array([{"train": 0, "valid": 1, "test": 2}[r["mode"]] for r in rows])
    mods = []
    for name in ("text", "audio", "vision"):
        x = np.load(os.path.join(dirname, name + ".npy")).astype(np.float32)
        if x.ndim == 2:
            x = x[:, None, :]
        lp = os.path.join(dirname, name + "_lengths.npy")
        ln = np.load(lp).astype(np.int64) if os.path.exists(lp) else np.full(len(x), x.shape[1])
        mods.append((torch.from_numpy(x), torch.from_numpy(ln)))
    return label, mode, mods


class SubNet(nn.Module):
    def __init__(self, f, h, o):
        super().__init__()
        self.rnn = nn.LSTM(f, h, batch_first=True)
        self.lin = nn.Linear(h, o)

    def forward(self, x, ln):
        packed = nn.utils.rnn.pack_padded_sequence(x, ln, batch_first=True, enforce_sorted=False)
        _, (h, _) = self.rnn(packed)
        return self.lin(h.squeeze(0))


class Head(nn.Module):
    def __init__(self, i, d, p):
        super().__init__()
        self.drop = nn.Dropout(p)
        self.l1, self.l2, self.l3 = nn.Linear(i, d), nn.Linear(d, d), nn.Linear(d, 1)

    def forward(self, x):
        z = F.relu(self.l1(self.drop(x)))
        return z, self.l3(F.relu(self.l2(z))).squeeze(-1)


class SelfMI(nn.Module):
    # MOSI defaults of SPEC section 7
    def __init__(self, dt, da, dv):
        super().__init__()
        self.text = nn.Linear(dt, 128)
        self.audio = SubNet(da, 32, 16)
        self.video = SubNet(dv, 64, 32)
        self.heads = nn.ModuleList([Head(128 + 16 + 32, 128, 0.1), Head(128, 64, 0.0),
                                    Head(16, 16, 0.1), Head(32, 32, 0.1)])
        self.G = nn.ModuleList([nn.Linear(128, d) for d in (64, 16, 32)])
        self.R = nn.ModuleList([nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 1)) for d in (64, 16, 32)])

    def forward(self, xt, xa, la, xv, lv):
        X = [self.text(xt[:, 0, :]), self.audio(xa, la), self.video(xv, lv)]
        zm, ym = self.heads[0](torch.cat(X, dim=1))
        outs, cpc, r = [], [], []
        for s in range(3):
            zs, ys = self.heads[s + 1](X[s])
            outs.append(ys)
            g = self.G[s](zm)
            zn, gn = F.normalize(zs, dim=1, eps=1e-12), F.normalize(g, dim=1, eps=1e-12)
            S = zn @ gn.t()
            cpc.append((torch.logsumexp(S, dim=1) - S.diag()).mean())
            r.append(self.R[s]((zn * gn).detach()).squeeze(-1))
        return ym, outs, cpc, r


def epoch_times(dirname, epochs):
    torch.set_num_threads(1)
    torch.manual_seed(1111)
    label, mode, mods = load(dirname)
    (xt, lt), (xa, la), (xv, lv) = mods
    model = SelfMI(xt.shape[2], xa.shape[2], xv.shape[2])
    groups = [
        {"params": model.text.parameters(), "lr": 1e-3, "weight_decay": 1e-3},
        {"params": model.audio.parameters(), "lr": 1e-3, "weight_decay": 1e-2},
        {"params": model.video.parameters(), "lr": 1e-4, "weight_decay": 1e-3},
        {"params": list(model.heads.parameters()) + list(model.G.parameters()), "lr": 1e-3, "weight_decay": 1e-3},
    ]
    opt = torch.optim.Adam(groups)
    ropt = torch.optim.Adam(model.R.parameters(), lr=1e-3, weight_decay=1e-3)
    train = np.nonzero(mode == 0)[0]
    valid = np.nonzero(mode == 1)[0]
    y = torch.from_numpy(label)
    ulab = [y[train].clone() for _ in range(3)]
    pos = {int(i): k for k, i in enumerate(train)}
    times = []
    for ep in range(1, epochs + 1):
        t0 = time.perf_counter()
        model.train()
        perm = np.random.permutation(train)
        opt.zero_grad()
        for bi in range(0, len(perm), 32):
            idx = torch.from_numpy(perm[bi:bi + 32])
            p = torch.tensor([pos[int(i)] for i in idx])
            ym, outs, cpc, r = model(xt[idx], xa[idx], la[idx], xv[idx], lv[idx])
            yb = y[idx]
            loss = (ym - yb).abs().mean()
            for s in range(3):
                us = ulab[s][p]
                loss = loss + (torch.tanh((us - yb).abs()) * (outs[s] - us).abs()).mean()
            loss = loss + 0.1 * sum(cpc)
            ltask = sum((rs - yb).abs().mean() for rs in r)
            ropt.zero_grad()
            (loss + ltask).backward()
            ropt.step()
            if ep >= 2:
                for s in range(3):
                    ulab[s][p] = (ep - 1) / (ep + 1) * ulab[s][p] + 2 / (ep + 1) * r[s].detach().clamp(-3, 3)
            if (bi // 32) % 4 == 3 or bi + 32 >= len(perm):
                opt.step()
                opt.zero_grad()
        model.eval()
        with torch.no_grad():
            for bi in range(0, len(valid), 32):
                idx = torch.from_numpy(valid[bi:bi + 32])
                model(xt[idx], xa[idx], la[idx], xv[idx], lv[idx])
        times.append(time.perf_counter() - t0)
    return times


def selfmi_times(dirname, binary, epochs):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([binary, "train", dirname, "--preset", "mosi", "--seed", "1111", "--quiet",
                        "--set", "max_epochs=%d" % epochs, "--set", "early_stop=1000",
                        "--out", out, "--run-id", "ref"],
                       check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, OMP_NUM_THREADS="1"))
        with open(os.path.join(out, "ref", "epochs.csv"), newline="") as f:
            return [float(r["seconds"]) for r in csv.DictReader(f)]


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    dirname, binary = sys.argv[1], sys.argv[2]
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    core = None
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
    ours = selfmi_times(dirname, binary, epochs)
    ref = epoch_times(dirname, epochs)
    # the first epoch of each includes warm-up; the best of the rest, as
    # every other speed target is the best of repeats
    o = min(ours[1:]) if len(ours) > 1 else ours[0]
    t = min(ref[1:]) if len(ref) > 1 else ref[0]
    print("dataset %s, %d epochs, one thread%s" % (dirname, epochs, "" if core is None else ", both on core %d" % core))
    print("  selfmi   %.3f s/epoch" % o)
    print("  pytorch  %.3f s/epoch (torch %s)" % (t, torch.__version__))
    print("  ratio    %.1fx" % (t / o))


if __name__ == "__main__":
    main()
