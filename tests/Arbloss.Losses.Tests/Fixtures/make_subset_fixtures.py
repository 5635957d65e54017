#!/usr/bin/python3
"""Writes long_tail_subset_cases.json: numpy's legacy random stream and the authors' CIFAR-LT subsets.

Run once by hand (the tests do not need Python):

    cd tests/Arbloss.Losses.Tests/Fixtures && /usr/bin/python3 make_subset_fixtures.py

What it reproduces is the authors' `IMBALANCECIFAR10.gen_imbalanced_data` (ARB-Loss / MiSLAS / LDAM-DRW):
`np.random.seed(seed)`, then for every class c in ascending order `idx = np.where(labels == c)[0]`,
`np.random.shuffle(idx)`, keep `idx[:n_c]`; the subset is the concatenation over classes. Before writing,
the script checks numpy against a pure-Python MT19937 (init_genrand seeding, masked-rejection bounded
draws, Fisher-Yates from the end), which is what the C# `NumpyLegacyRandom` implements.
"""

import json
import sys

import numpy as np

M32 = 0xFFFFFFFF
HASH_MOD = (1 << 61) - 1
HASH_MUL = 1000003
FIRST_K = 20  # leading indices stored per class when a case's full list is not stored


# --- Pure-Python reference of what numpy does (used only to assert our understanding) --------------------

class PyMT19937:
    def __init__(self, seed):
        mt = [0] * 624
        mt[0] = seed & M32
        for i in range(1, 624):
            mt[i] = (1812433253 * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i) & M32
        self.mt, self.pos = mt, 624

    def next32(self):
        if self.pos == 624:
            mt = self.mt
            for k in range(624):
                y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7FFFFFFF)
                mt[k] = mt[(k + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            self.pos = 0
        y = self.mt[self.pos]
        self.pos += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y

    def interval(self, mx):
        if mx == 0:
            return 0
        mask = mx
        for s in (1, 2, 4, 8, 16, 32):
            mask |= mask >> s
        assert mx <= M32
        while True:
            v = self.next32() & mask
            if v <= mx:
                return v

    def shuffle(self, a):
        for i in range(len(a) - 1, 0, -1):
            j = self.interval(i)
            a[i], a[j] = a[j], a[i]


def raw_outputs(seed, n):
    rs = np.random.RandomState(seed)
    return [int(v) for v in rs._bit_generator.random_raw(n)]


def check_numpy_matches_reference():
    for seed in (0, 1, 5489, 123456789, M32):
        py = PyMT19937(seed)
        assert [py.next32() for _ in range(1300)] == raw_outputs(seed, 1300), f"raw stream, seed {seed}"
        # np.random.seed(int) is init_genrand: the state words are the seeding recurrence itself.
        np.random.seed(seed)
        key = np.random.get_state()[1]
        assert [int(k) for k in key] == PyMT19937(seed).mt, f"init_genrand key, seed {seed}"
    # randint(0, m + 1) (legacy, int64) and shuffle draw through the same masked rejection.
    for seed in (0, 3):
        rs, py = np.random.RandomState(seed), PyMT19937(seed)
        for m in (0, 1, 2, 3, 5, 6, 7, 8, 9, 100, 1000, 4999, 65535, 65536, 2**31 - 1, 2**31, M32 - 1, M32):
            assert int(rs.randint(0, m + 1)) == py.interval(m), f"randint {m}"
        for n in (0, 1, 2, 10, 37, 5000):
            a = np.arange(n, dtype=np.int64)
            rs.shuffle(a)
            b = list(range(n))
            py.shuffle(b)
            assert a.tolist() == b, f"shuffle {n}"
        assert int(rs._bit_generator.random_raw()) == py.next32(), "streams stay in step"
    # Documentation only: above 2**32 - 1 numpy draws 64-bit words made of two 32-bit outputs, first one high.
    r = raw_outputs(0, 2)
    assert int(np.random.RandomState(0).randint(0, 2**64, dtype=np.uint64)) == (r[0] << 32) | r[1]
    assert int(np.random.RandomState(0).randint(0, 2**40)) == ((r[0] << 32) | r[1]) & (2**40 - 1)


# --- Fixture data --------------------------------------------------------------------------------------

def labels_for(classes, per_class):
    """Exactly per_class items of every class: block b (items b*C .. b*C+C-1) holds the classes cyclically
    shifted by h(b) = ((b * 2654435761) mod 2**32) >> 16. The C# test builds the same array."""
    n = classes * per_class
    i = np.arange(n, dtype=np.int64)
    b = i // classes
    h = ((b * 2654435761) & M32) >> 16
    return ((i % classes) + h) % classes


def exp_profile(classes, img_max, imb_factor):
    # The authors' get_img_num_per_cls ('exp'), img_max = len(data) / cls_num.
    return [int(img_max * (imb_factor ** (c / (classes - 1.0)))) for c in range(classes)]


def authors_subset(labels, counts, seed):
    np.random.seed(seed)
    out = []
    for c, n_c in enumerate(counts):
        idx = np.where(labels == c)[0]
        np.random.shuffle(idx)
        out.append(idx[:n_c])
    return [[int(v) for v in part] for part in out]


def rolling_hash(values):
    h = 0
    for v in values:
        h = (h * HASH_MUL + v + 1) % HASH_MOD
    return h


def case(name, classes, per_class, counts, seed, imb_factor, full):
    labels = labels_for(classes, per_class)
    assert np.bincount(labels, minlength=classes).tolist() == [per_class] * classes
    parts = authors_subset(labels, counts, seed)
    flat = [v for p in parts for v in p]
    c = {
        "name": name,
        "classes": classes,
        "per_class": per_class,
        "imb_factor": imb_factor,
        "seed": seed,
        "counts": counts,
        "length": len(flat),
        "hash": str(rolling_hash(flat)),
        "first_per_class": [p[:FIRST_K] for p in parts],
    }
    if full:
        c["indices"] = flat
    return c


def main():
    check_numpy_matches_reference()
    cases = []
    for imb in (0.01, 0.02, 0.1):
        counts = exp_profile(10, 50000 / 10, imb)
        for seed in (0, 1, 42, 12345):
            cases.append(case(f"cifar10-exp-{imb}-seed{seed}", 10, 5000, counts, seed, imb, full=seed == 0))
    counts = exp_profile(100, 50000 / 100, 0.01)
    for seed in (0, 7):
        cases.append(case(f"cifar100-exp-0.01-seed{seed}", 100, 500, counts, seed, 0.01, full=seed == 0))
    # Classes asked for 0 items still shuffle (and consume draws for) all their items.
    zeros = [5000, 0, 3000, 0, 0, 120, 0, 1, 0, 4999]
    cases.append(case("cifar10-zero-counts-seed3", 10, 5000, zeros, 3, None, full=False))

    bounded_max = [0, 1, 2, 3, 5, 6, 7, 8, 9, 100, 1000, 4999, 65535, 65536, 2**31 - 1, 2**31, M32 - 1, M32]
    rs = np.random.RandomState(0)
    bounded = [int(rs.randint(0, m + 1)) for m in bounded_max for _ in range(3)]
    rs = np.random.RandomState(3)
    shuffled = np.arange(37, dtype=np.int64)
    rs.shuffle(shuffled)

    doc = {
        "numpy_version": np.__version__,
        "hash": {"mod": str(HASH_MOD), "mul": HASH_MUL, "rule": "h = (h * mul + index + 1) mod mod, from h = 0"},
        "label_rule": "labels[i] = (i % C + (((i / C) * 2654435761) mod 2^32 >> 16)) % C",
        "raw": [{"seed": s, "values": raw_outputs(s, 20)} for s in (0, 5489, 123456789, M32)],
        "raw_after_first_block": {"seed": 0, "skip": 624, "values": raw_outputs(0, 644)[624:]},
        "bounded": {"seed": 0, "max": [m for m in bounded_max for _ in range(3)], "values": bounded},
        "shuffle": {"seed": 3, "n": 37, "values": shuffled.tolist()},
        "cases": cases,
    }
    with open("long_tail_subset_cases.json", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"numpy {np.__version__}: {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
