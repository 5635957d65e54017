#!/usr/bin/env bash
# Training throughput of the samples app against PyTorch on the same machine (a benchmark; never run by tests).
#
#   benchmarks/peer/run.sh [rounds] [threads]        (defaults: 3 rounds, 2 threads)
#
# Needs Debian's PyTorch (apt-get install -y python3-torch: /usr/bin/python3, PyTorch 1.13) and Fashion-MNIST at
# $FASHION_MNIST (default /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist). Each round runs, for each
# recipe, one epoch in the app (`train --config ... --set num_epochs=1`, images_per_second from results.json) and one
# epoch in benchmarks/peer/peer.py, alternating which goes first, with the same intra-op thread count and
# OMP_WAIT_POLICY=PASSIVE for both (the app's own default): first with gradient balance off in both against PyTorch
# written to be fast, then the pipelines as they are, the app with gradient_balance: true against the authors' loop
# (peer.py --pipeline authors: needs python3-torchvision; WORKERS=2 DataLoader workers unless set).
# Recipes: Fashion-MNIST-LT (conv net, batch 128, ARB-Loss with batch counts) and CIFAR-10-LT's ResNet-32 (batch 128,
# ARB-Loss with batch counts, pad/crop/flip) on CIFAR-shaped synthetic data (2,000 random images per class written in
# CIFAR's binary format, cut to the long-tailed profile with imbalance 0.01: 4,958 training images).
set -euo pipefail
ROUNDS=${1:-3}
THREADS=${2:-2}
WORKERS=${WORKERS:-2}   # DataLoader workers of the authors' pipeline (their configs say 16; this machine has 2 cores)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
FASHION_MNIST=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
WORK=$(mktemp -d /tmp/arbloss-peer.XXXXXX)
export OMP_WAIT_POLICY=PASSIVE
trap 'rm -rf "$WORK"' EXIT

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then dotnet build "$ROOT/src/Arbloss.Samples" -c Release -v q -nologo > "$WORK/build.log"; fi
APP="$ROOT/src/Arbloss.Samples/bin/Release/net10.0/Arbloss.Samples"

# CIFAR-shaped synthetic data in CIFAR-10's binary layout (label byte + 3072 pixel bytes per record).
CIFAR="$WORK/cifar-10-batches-bin"
mkdir -p "$CIFAR"
$PY - "$CIFAR" <<'PYEOF'
import sys, numpy as np
out = sys.argv[1]
rng = np.random.RandomState(0)
def write(path, per_class):
    labels = np.repeat(np.arange(10, dtype=np.uint8), per_class)
    rng.shuffle(labels)
    records = np.empty((len(labels), 3073), dtype=np.uint8)
    records[:, 0] = labels
    records[:, 1:] = rng.randint(0, 256, size=(len(labels), 3072), dtype=np.uint8)
    records.tofile(path)
for i in range(1, 6):
    write(f"{out}/data_batch_{i}.bin", 400)
write(f"{out}/test_batch.bin", 100)
PYEOF

ours() { # recipe round [gradient_balance: false (default) or true]
  local gb=${3:-false}
  local out="$WORK/ours-$1-$2-$gb" cfg extra=()
  if [[ $1 == fmnist ]]; then cfg=fashion-mnist-lt/arb_batch; extra=(--set "data_path=$FASHION_MNIST");
  else cfg=cifar10-lt/imb0.01_arb_batch; extra=(--set "data_path=$WORK"); fi
  "$APP" train --config "$cfg" --set num_epochs=1 --set gradient_balance="$gb" "${extra[@]}" \
    --threads "$THREADS" --no-plots --no-download --out "$out" > "$out.log" 2>&1
  $PY -c "import json,sys; print(json.load(open(sys.argv[1]))['images_per_second'])" "$out/results.json"
}
peer() { # recipe [--channels-last | --pipeline authors]
  local data=$FASHION_MNIST recipe=$1
  [[ $recipe == cifar ]] && data=$CIFAR
  shift
  $PY "$ROOT/benchmarks/peer/peer.py" --recipe "$recipe" --data "$data" --threads "$THREADS" --workers "$WORKERS" "$@" \
    | $PY -c "import json,sys; print(json.loads(sys.stdin.read())['images_per_second'])"
}
load() { cut -d' ' -f1 /proc/loadavg; }

# Two comparisons per recipe and round, each pair run one after the other, alternating which goes first:
#  - gradient balance off in both: the app against PyTorch written to be fast (NCHW as the authors run the model, and
#    for ResNet-32, which the app runs on channels-last activations, also torch.channels_last);
#  - the pipelines as they are: the app with gradient_balance: true against the authors' loop (torchvision/PIL loader
#    with $WORKERS workers, their loss, the per-class-pair gradient-balance loop and loss.item() every step).
echo "| round | recipe | load before | app | PyTorch fast | app / fast | PyTorch fast channels-last | app / channels-last | app, gradient balance | authors' pipeline | app / authors' |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for r in $(seq 1 "$ROUNDS"); do
  for recipe in fmnist cifar; do
    l=$(load)
    c=nan
    if (( r % 2 )); then
      a=$(ours $recipe $r); p=$(peer $recipe); [[ $recipe == cifar ]] && c=$(peer $recipe --channels-last)
      g=$(ours $recipe $r true); q=$(peer $recipe --pipeline authors)
    else
      q=$(peer $recipe --pipeline authors); g=$(ours $recipe $r true)
      [[ $recipe == cifar ]] && c=$(peer $recipe --channels-last); p=$(peer $recipe); a=$(ours $recipe $r)
    fi
    $PY -c "
import sys, math
r, rec, l, a, p, c, g, q = sys.argv[1:]; a, p, c, g, q = map(float, (a, p, c, g, q))
cl = '-' if math.isnan(c) else f'{c:.0f}'
ratio = '-' if math.isnan(c) else f'{a / c:.2f}'
print(f'| {r} | {rec} | {l} | {a:.0f} | {p:.0f} | {a / p:.2f} | {cl} | {ratio} | {g:.0f} | {q:.0f} | {g / q:.2f} |')" \
      "$r" "$recipe" "$l" "$a" "$p" "$c" "$g" "$q"
  done
done
echo
echo "threads: $THREADS; $(nproc) cores; $(dotnet --version | sed 's/^/.NET SDK /'); $($PY -c 'import torch; print("PyTorch", torch.__version__)')"
