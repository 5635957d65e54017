#!/usr/bin/python3
"""One training step (forward, backward, SGD step) of the main job's networks in PyTorch on random data, batch 128:
the PyTorch side of `dotnet run -c Release --project benchmarks/Arbloss.Losses.Benchmarks -- profile-step`.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 benchmarks/peer/step.py [threads] [--channels-last]
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer  # noqa: E402

threads = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 2
channels_last = "--channels-last" in sys.argv
torch.set_num_threads(threads)
torch.manual_seed(0)
for name, model, shape in [("resnet32", peer.ResNet32(), (128, 3, 32, 32)), ("fmnist", peer.FashionMnistNet(), (128, 1, 28, 28))]:
    x, y = torch.randn(*shape), torch.randint(0, 10, (128,))
    if channels_last:
        model, x = model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=2e-4)
    f = b = o = 0.0
    for step in range(13):
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(x), y)
        t1 = time.perf_counter()
        opt.zero_grad()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        if step >= 3:
            f, b, o = f + t1 - t0, b + t2 - t1, o + t3 - t2
    print(f"{name} fwd {f * 100:.1f} ms bwd {b * 100:.1f} ms opt {o * 100:.1f} ms ({threads} threads, mean of 10 steps"
          f"{', channels-last' if channels_last else ''})")
