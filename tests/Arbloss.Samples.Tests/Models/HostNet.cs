using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.Models
{
    /// <summary>A feature map of one sample, [C, H, W] row-major, in float64.</summary>
    internal sealed record Map(int C, int H, int W, double[] V)
    {
        public static Map Zeros(int c, int h, int w) => new(c, h, w, new double[c * h * w]);

        public double this[int c, int y, int x] => V[(c * H + y) * W + x];
    }

    /// <summary>
    /// The layers of the sample networks written out on the host in float64 loops, independent of TorchSharp's kernels:
    /// a model's forward pass, re-done here from its weights, must give the same numbers.
    /// </summary>
    internal static class HostNet
    {
        /// <summary>A parameter or buffer of <paramref name="state"/> as float64 values.</summary>
        public static double[] Values(IDictionary<string, Tensor> state, string key)
        {
            Assert(state.ContainsKey(key), $"no state key {key}; keys: {string.Join(", ", state.Keys)}");
            return Values(state[key]);
        }

        public static double[] Values(Tensor t) => t.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

        /// <summary>Sample <paramref name="b"/> of an NCHW tensor.</summary>
        public static Map Sample(Tensor batch, int b)
        {
            var shape = batch.shape;
            using var one = batch[b];
            return new Map((int)shape[1], (int)shape[2], (int)shape[3], Values(one));
        }

        public static Map Conv(Map x, double[] w, double[]? bias, int outChannels, int k, int stride, int padding)
        {
            Assert(w.Length == outChannels * x.C * k * k, $"conv weight of {w.Length} values for {outChannels}x{x.C}x{k}x{k}");
            int h = (x.H + 2 * padding - k) / stride + 1, wd = (x.W + 2 * padding - k) / stride + 1;
            var y = Map.Zeros(outChannels, h, wd);
            for (int o = 0; o < outChannels; o++)
            {
                for (int oy = 0; oy < h; oy++)
                {
                    for (int ox = 0; ox < wd; ox++)
                    {
                        double s = bias?[o] ?? 0;
                        for (int i = 0; i < x.C; i++)
                        {
                            for (int ky = 0; ky < k; ky++)
                            {
                                int iy = oy * stride - padding + ky;
                                if (iy < 0 || iy >= x.H) continue;
                                int wRow = ((o * x.C + i) * k + ky) * k, xRow = (i * x.H + iy) * x.W;
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int ix = ox * stride - padding + kx;
                                    if (ix < 0 || ix >= x.W) continue;
                                    s += w[wRow + kx] * x.V[xRow + ix];
                                }
                            }
                        }
                        y.V[(o * h + oy) * wd + ox] = s;
                    }
                }
            }
            return y;
        }

        /// <summary>Batch norm in evaluation mode: (x - running mean) / sqrt(running var + 1e-5) * weight + bias.</summary>
        public static Map BatchNorm(Map x, IDictionary<string, Tensor> state, string prefix)
        {
            var g = Values(state, prefix + ".weight");
            var b = Values(state, prefix + ".bias");
            var mean = Values(state, prefix + ".running_mean");
            var variance = Values(state, prefix + ".running_var");
            var y = Map.Zeros(x.C, x.H, x.W);
            int plane = x.H * x.W;
            for (int c = 0; c < x.C; c++)
            {
                double scale = g[c] / Math.Sqrt(variance[c] + 1e-5);
                for (int p = 0; p < plane; p++) y.V[c * plane + p] = (x.V[c * plane + p] - mean[c]) * scale + b[c];
            }
            return y;
        }

        public static Map Relu(Map x) => x with { V = x.V.Select(v => Math.Max(0, v)).ToArray() };

        public static Map Add(Map a, Map b)
        {
            Assert(a.C == b.C && a.H == b.H && a.W == b.W, $"adding [{a.C},{a.H},{a.W}] and [{b.C},{b.H},{b.W}]");
            return a with { V = a.V.Zip(b.V, (p, q) => p + q).ToArray() };
        }

        /// <summary>Max pooling, windows of k x k every <paramref name="stride"/>, padding that never wins.</summary>
        public static Map MaxPool(Map x, int k, int stride, int padding = 0)
        {
            int h = (x.H + 2 * padding - k) / stride + 1, w = (x.W + 2 * padding - k) / stride + 1;
            var y = Map.Zeros(x.C, h, w);
            for (int c = 0; c < x.C; c++)
                for (int oy = 0; oy < h; oy++)
                    for (int ox = 0; ox < w; ox++)
                    {
                        double m = double.NegativeInfinity;
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++)
                            {
                                int iy = oy * stride - padding + ky, ix = ox * stride - padding + kx;
                                if (iy >= 0 && iy < x.H && ix >= 0 && ix < x.W) m = Math.Max(m, x[c, iy, ix]);
                            }
                        y.V[(c * h + oy) * w + ox] = m;
                    }
            return y;
        }

        /// <summary>Mean over the spatial positions of each channel.</summary>
        public static double[] GlobalAveragePool(Map x)
        {
            int plane = x.H * x.W;
            return Enumerable.Range(0, x.C).Select(c => x.V.Skip(c * plane).Take(plane).Average()).ToArray();
        }

        /// <summary>y = W x + b for W [out, in].</summary>
        public static double[] Linear(double[] x, double[] w, double[] b)
        {
            int outputs = b.Length;
            Assert(w.Length == outputs * x.Length, $"linear weight of {w.Length} values for {outputs}x{x.Length}");
            var y = new double[outputs];
            for (int o = 0; o < outputs; o++)
            {
                double s = b[o];
                for (int i = 0; i < x.Length; i++) s += w[o * x.Length + i] * x[i];
                y[o] = s;
            }
            return y;
        }

        public static double[] Linear(double[] x, IDictionary<string, Tensor> state, string prefix) =>
            Linear(x, Values(state, prefix + ".weight"), Values(state, prefix + ".bias"));

        public static double[] Relu(double[] x) => x.Select(v => Math.Max(0, v)).ToArray();

        /// <summary>
        /// Gives every batch norm of <paramref name="model"/> weights, biases and running statistics away from their
        /// defaults (1, 0, 0, 1), so that a forward pass that skipped or misplaced one would show.
        /// </summary>
        public static void RandomiseBatchNorms(nn.Module model, int seed)
        {
            var rng = new Random(seed);
            Tensor Uniform(long n, double lo, double hi) =>
                tensor(Enumerable.Range(0, (int)n).Select(_ => (float)(lo + (hi - lo) * rng.NextDouble())).ToArray());
            using var noGrad = no_grad();
            int found = 0;
            foreach (var (_, module) in model.named_modules())
            {
                if (module is not BatchNorm2d bn) continue;
                long c = bn.weight!.shape[0];
                using (var v = Uniform(c, 0.5, 1.5)) bn.weight.copy_(v);
                using (var v = Uniform(c, -0.3, 0.3)) bn.bias!.copy_(v);
                using (var v = Uniform(c, -0.2, 0.2)) bn.running_mean!.copy_(v);
                using (var v = Uniform(c, 0.5, 2.0)) bn.running_var!.copy_(v);
                found++;
            }
            Assert(found > 0, "no batch norm found");
        }

        /// <summary>Largest |a - b| over max(1, |b|): the float32 model against the float64 host.</summary>
        public static double RelativeError(IReadOnlyList<double> actual, IReadOnlyList<double> expected)
        {
            Assert(actual.Count == expected.Count, $"{actual.Count} values for {expected.Count}");
            double scale = Math.Max(1, expected.Max(Math.Abs));
            return actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max() / scale;
        }

        private static void Assert(bool ok, string what)
        {
            if (!ok) throw new InvalidOperationException(what);
        }
    }
}
