#!/usr/bin/python3
"""PyTorch peer of the samples app's training loop, for benchmarks/peer/run.sh (a benchmark, never run by tests).

Trains one epoch of a recipe in PyTorch and prints one JSON line with the training images per second, measured as
the app measures its own `images_per_second` (results.json): every training step of the epoch, batching and
augmentation included, evaluation excluded.

Recipes (the same model, optimiser, batch size, loss and data as the app's configs):
  fmnist  Fashion-MNIST-LT (configs/fashion-mnist-lt/*.yaml, Models/FashionMnistNet.cs): the authors' exponential
          subset (imbalance 0.01, numpy seed 0), no augmentation, batch 128, SGD lr 0.05 momentum 0.9 wd 5e-4.
  cifar   CIFAR-10-LT recipe (configs/cifar10-lt/imb0.01_*.yaml, Models/ResNet32.cs): ResNet-32 with option-A
          shortcuts on CIFAR-shaped data read from the binary files run.sh writes, pad-4 crop / flip augmentation,
          batch 128, SGD lr 0.1 momentum 0.9 wd 2e-4.

Two pipelines:
  fast     (default) written to be fast, not as the authors' loader: images stay uint8 in memory, each batch is
           gathered, augmented with one indexing operation and normalised as a tensor; the loss is ARB-Loss with batch
           counts as a composition, cross_entropy(logits + log(bincount)); nothing is read back per step.
  authors  the authors' single-stage loop as train_stage1.py of lilydedbb/ARBLOSS runs it (NCHW): a torchvision
           dataset that makes a PIL image per sample, RandomCrop(32, padding=4) / RandomHorizontalFlip / ToTensor /
           Normalize, a DataLoader with --workers worker processes; per step the counts from torch.unique, their
           ARB_Loss formula (clamp to [-30, 30], exp, weights n_j / n_y, mean of -log), the gradient-balance matrix
           built with their per-class-pair loop (one comparison read back per pair, on the undetached features and
           logits, as theirs), top-1/top-5 accuracy and loss.item(). Their loss prints a line on every call; that
           print is left out. Needs Debian's python3-torchvision.
Written for this benchmark from the papers', the authors' and the app's descriptions; no code is taken from them.
"""
import argparse
import gzip
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def long_tail_subset(labels, classes, imb_factor, seed):
    """The authors' gen_imbalanced_data: per class in order, shuffle its indices with numpy's legacy seed, keep the first n."""
    img_max = len(labels) / classes
    counts = [int(img_max * imb_factor ** (c / (classes - 1.0))) for c in range(classes)]
    np.random.seed(seed)
    keep = []
    for c, n in enumerate(counts):
        idx = np.where(labels == c)[0]
        np.random.shuffle(idx)
        keep.append(idx[:n])
    return np.concatenate(keep)


def read_cifar_binary(folder):
    records = []
    for i in range(1, 6):
        raw = np.fromfile(os.path.join(folder, f"data_batch_{i}.bin"), dtype=np.uint8)
        records.append(raw.reshape(-1, 3073))
    raw = np.concatenate(records)
    return raw[:, 1:].reshape(-1, 3, 32, 32).copy(), raw[:, 0].astype(np.int64)


class FashionMnistNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.fc = nn.Linear(64 * 7 * 7, 128)
        self.head = nn.Linear(128, classes)

    def features(self, x):
        x = F.relu(F.max_pool2d(self.bn1(self.conv1(x)), 2), inplace=True)
        x = F.relu(F.max_pool2d(self.bn2(self.conv2(x)), 2), inplace=True)
        return F.relu(self.fc(x.flatten(1)))

    def forward(self, x):
        return self.head(self.features(x))


class OptionABlock(nn.Module):
    def __init__(self, inp, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.stride, self.pad = stride, planes - inp

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        s = x
        if self.stride != 1 or self.pad:
            if self.stride != 1:
                s = s[:, :, ::self.stride, ::self.stride]
            s = F.pad(s, (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return F.relu(y + s)


class ResNet32(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, inp = [], 16
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(5):
                layers.append(OptionABlock(inp, planes, stride if i == 0 else 1))
                inp = planes
        self.layers = nn.Sequential(*layers)
        self.head = nn.Linear(64, classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def features(self, x):
        x = self.layers(F.relu(self.bn1(self.conv1(x))))
        return F.adaptive_avg_pool2d(x, 1).flatten(1)

    def forward(self, x):
        return self.head(self.features(x))


def arb_batch_loss(logits, target):
    counts = torch.bincount(target, minlength=logits.size(1)).to(logits.dtype)
    return F.cross_entropy(logits + counts.log(), target)


def authors_batch_counts(target, classes, dtype):
    """Class counts of the batch as the authors' train() builds them: torch.unique, then a scatter into zeros."""
    present, cnt = torch.unique(target, return_counts=True)
    counts = torch.zeros(classes, dtype=dtype)
    counts[present] = cnt.to(dtype)
    return counts


def authors_arb_loss(logits, target, counts):
    """The authors' ARB_Loss formula: logits clamped to [-30, 30], exp, weights n_j / n_y repeated over the classes,
    p_y = e_y / sum_j w_j e_j, the mean of -log p_y."""
    e = logits.clamp(min=-30.0, max=30.0).exp()
    c = logits.size(1)
    w = counts.reshape(1, -1) / counts[target].reshape(-1, 1).repeat(1, c)
    p_y = e.gather(1, target.unsqueeze(-1)).squeeze() / (e * w).sum(dim=1)
    return (-p_y.log()).mean()


def authors_balance_step(feat, logits, target, counts, m):
    """The authors' per-step gradient-balance matrix (ARB branch of train()): the [B, C, D] tensor of per-sample
    gradients on each class weight, then for every class i present in the batch and every class j the norm of the
    summed gradients of the class-j samples, added into m[i, j]. The presence test is read back once per pair. Like
    theirs it runs on the undetached features and logits."""
    b, c = logits.shape
    d = feat.size(1)
    w = counts.reshape(1, -1) / counts[target].reshape(-1, 1).repeat(1, c)
    e = torch.exp(logits)
    p = e / torch.sum(e * w, dim=1, keepdim=True)
    rows = torch.arange(b)
    p[rows, target] = 1 - p[rows, target]
    g = w.reshape(b, c, 1) * feat.reshape(b, -1, d).repeat(1, c, 1) * p.reshape(b, c, 1)
    flat = target.reshape(-1)
    for i in range(c):
        g_i = g[:, i, :]
        for j in range(c):
            if (flat == i).sum() > 0:
                rows_j = torch.nonzero((flat == j).int())
                m[i, j] += torch.sqrt(torch.sum(torch.sum(g_i[rows_j], dim=0) ** 2))


def topk_accuracy(logits, target, ks):
    """Top-k accuracies in percent, computed as the authors' utils.metric.accuracy does (topk, compare, sum)."""
    with torch.no_grad():
        _, pred = logits.topk(max(ks), 1, True, True)
        hit = pred.t().eq(target.reshape(1, -1).expand_as(pred.t()))
        return [hit[:k].reshape(-1).float().sum(0, keepdim=True).mul_(100.0 / target.size(0)) for k in ks]


class PilImages(torch.utils.data.Dataset):
    """uint8 images (HWC, or HW for one channel) returned as torchvision's CIFAR10 / FashionMNIST datasets return
    them: a PIL image per sample through the transform."""

    def __init__(self, images, labels, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        from PIL import Image
        return self.transform(Image.fromarray(self.images[i])), int(self.labels[i])


def train_authors(a, model, opt, images, labels, mean, std, augment, classes):
    """One epoch of the authors' loop; returns (seconds, summed loss, correct top-1)."""
    from torchvision import transforms
    hw = images.transpose(0, 2, 3, 1) if images.shape[1] == 3 else images[:, 0]
    steps = [transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip()] if augment else []
    transform = transforms.Compose(steps + [transforms.ToTensor(), transforms.Normalize(mean, std)])
    loader = torch.utils.data.DataLoader(PilImages(np.ascontiguousarray(hw), labels, transform), batch_size=128,
                                         shuffle=True, num_workers=a.workers, pin_memory=False)
    model.train()
    loss_sum, correct = 0.0, 0.0
    start = time.perf_counter()
    m = torch.zeros((classes, classes))
    for x, y in loader:
        feat = model.features(x)
        logits = model.head(feat)
        counts = authors_batch_counts(y, classes, logits.dtype)
        loss = authors_arb_loss(logits, y, counts)
        authors_balance_step(feat, logits, y, counts, m)
        acc1, _ = topk_accuracy(logits, y, (1, 5))
        loss_sum += loss.item() * y.size(0)
        correct += float(acc1[0]) * y.size(0) / 100.0
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start, loss_sum, correct


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--recipe", choices=["fmnist", "cifar"], required=True)
    p.add_argument("--data", required=True, help="Fashion-MNIST idx folder, or the cifar-10-batches-bin folder")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--loss", choices=["cross_entropy", "arb_batch"], default="arb_batch")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pipeline", choices=["fast", "authors"], default="fast",
                   help="fast: uint8 batches, composition loss; authors: their loader, loss and per-step loop")
    p.add_argument("--workers", type=int, default=2, help="DataLoader worker processes of the authors' pipeline")
    p.add_argument("--channels-last", action="store_true",
                   help="model and inputs in torch.channels_last (the app's ResNet-32 runs channels-last)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    classes = 10
    if a.recipe == "fmnist":
        images = read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz"))[:, None]
        labels = read_idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz")).astype(np.int64)
        mean, std = [0.2860], [0.3530]
        model, lr, wd, augment = FashionMnistNet(classes), 0.05, 5e-4, False
    else:
        images, labels = read_cifar_binary(a.data)
        mean, std = [0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010]
        model, lr, wd, augment = ResNet32(classes), 0.1, 2e-4, True
    keep = long_tail_subset(labels, classes, 0.01, a.seed)
    x_all = torch.from_numpy(images[keep].copy())                 # uint8 [N, C, H, W]
    y_all = torch.from_numpy(labels[keep].copy())
    scale = torch.tensor([1.0 / (255.0 * s) for s in std], dtype=torch.float32).view(1, -1, 1, 1)
    shift = torch.tensor([-m / s for m, s in zip(mean, std)], dtype=torch.float32).view(1, -1, 1, 1)
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=wd)
    criterion = arb_batch_loss if a.loss == "arb_batch" else F.cross_entropy
    batch, n = 128, len(y_all)
    h, w = x_all.shape[2], x_all.shape[3]
    ar_h, ar_w = torch.arange(h), torch.arange(w)

    if a.pipeline == "authors":
        if a.channels_last:
            p.error("the authors' pipeline runs NCHW; --channels-last is for the fast pipeline")
        seconds, loss_sum, correct = train_authors(a, model, opt, images[keep], labels[keep], mean, std, augment,
                                                   classes)
        n = len(keep)
        print(json.dumps({"recipe": a.recipe, "framework": f"PyTorch {torch.__version__}", "threads": a.threads,
                          "pipeline": "authors", "workers": a.workers, "channels_last": False,
                          "images": n, "seconds": seconds, "images_per_second": n / seconds,
                          "train_loss": loss_sum / n, "train_top1": 100.0 * correct / n}))
        return

    model.train()
    loss_sum = torch.zeros((), dtype=torch.float64)
    correct = torch.zeros((), dtype=torch.int64)
    start = time.perf_counter()
    order = torch.randperm(n)
    for b in range(0, n, batch):
        idx = order[b:b + batch]
        x = x_all[idx]
        if augment:
            # Pad 4 with zeros, crop 32 at a random offset, flip with probability 1/2: one gather per batch.
            k = len(idx)
            padded = F.pad(x, (4, 4, 4, 4))
            dy = torch.randint(0, 9, (k, 1))
            dx = torch.randint(0, 9, (k, 1))
            flip = torch.rand(k, 1) < 0.5
            cols = torch.where(flip, w - 1 - ar_w, ar_w) + dx
            rows = ar_h + dy
            x = padded[torch.arange(k)[:, None, None], :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)
        # The gather above leaves the batch channels-last: make the layout the one asked for.
        x = x.contiguous(memory_format=torch.channels_last if a.channels_last else torch.contiguous_format)
        x = x.float().mul_(scale).add_(shift)
        y = y_all[idx]
        logits = model(x)
        loss = criterion(logits, y)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
        with torch.no_grad():
            loss_sum += loss.detach().double() * len(idx)
            correct += (logits.argmax(1) == y).sum()
    seconds = time.perf_counter() - start
    print(json.dumps({"recipe": a.recipe, "framework": f"PyTorch {torch.__version__}", "threads": a.threads,
                      "pipeline": "fast", "channels_last": a.channels_last,
                      "images": n, "seconds": seconds, "images_per_second": n / seconds,
                      "train_loss": float(loss_sum) / n, "train_top1": 100.0 * int(correct) / n}))


if __name__ == "__main__":
    main()
