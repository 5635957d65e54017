using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests
{
    /// <summary>ArbLoss against 24 cases computed in float64 by an independent PyTorch implementation of the authors' formula.</summary>
    public class ReferenceCasesTests
    {
        public sealed record Case(int Batch, int Classes, string CountsFrom, string Reduction, double[] Logits, long[] Target,
            long[] ClassCounts, double[] Loss, double[] GradLogits);

        public static IReadOnlyList<Case> Cases { get; } = Load();

        public static IEnumerable<object[]> CaseIndices => Enumerable.Range(0, Cases.Count).Select(i => new object[] { i });

        private static IReadOnlyList<Case> Load()
        {
            var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "arb_loss_cases.json");
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var result = new List<Case>();
            foreach (var c in doc.RootElement.EnumerateArray())
            {
                double[] loss = c.GetProperty("loss").ValueKind == JsonValueKind.Array
                    ? c.GetProperty("loss").EnumerateArray().Select(e => e.GetDouble()).ToArray()
                    : new[] { c.GetProperty("loss").GetDouble() };
                result.Add(new Case(
                    c.GetProperty("batch").GetInt32(), c.GetProperty("classes").GetInt32(),
                    c.GetProperty("counts_from").GetString()!, c.GetProperty("reduction").GetString()!,
                    c.GetProperty("logits").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
                    c.GetProperty("target").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
                    c.GetProperty("class_counts").EnumerateArray().Select(e => (long)e.GetDouble()).ToArray(),
                    loss,
                    c.GetProperty("grad_logits").EnumerateArray().Select(e => e.GetDouble()).ToArray()));
            }
            return result;
        }

        /// <summary>Both computation paths of ArbLoss (the composition and the hand-written backward) must match.</summary>
        private static readonly Functional.CorePath[] Paths = { Functional.CorePath.Composed, Functional.CorePath.Fused };

        internal static nn.Reduction ParseReduction(string r) => r switch
        {
            "mean" => nn.Reduction.Mean,
            "sum" => nn.Reduction.Sum,
            "none" => nn.Reduction.None,
            _ => throw new ArgumentException(r),
        };

        private static (double[] loss, double[] grad) Run(Case c, ScalarType dtype, bool functional, Functional.CorePath path)
        {
            using var scope = NewDisposeScope();
            var logits = tensor(c.Logits, ScalarType.Float64).reshape(c.Batch, c.Classes).to_type(dtype).requires_grad_(true);
            var target = tensor(c.Target, ScalarType.Int64);
            var reduction = ParseReduction(c.Reduction);
            Tensor loss;
            if (functional)
            {
                Tensor? counts = c.CountsFrom == "global" ? tensor(c.ClassCounts, ScalarType.Int64) : null;
                loss = Functional.ArbLossChecked(logits, target, counts, reduction, true, path);
            }
            else
            {
                using var module = c.CountsFrom == "global" ? new ArbLoss(c.ClassCounts, reduction) : new ArbLoss(c.Classes, reduction);
                module.Path = path;
                loss = module.call(logits, target);
            }
            (reduction == nn.Reduction.None ? loss.sum() : loss).backward();
            return (loss.to_type(ScalarType.Float64).data<double>().ToArray(), logits.grad!.to_type(ScalarType.Float64).data<double>().ToArray());
        }

        [Theory]
        [MemberData(nameof(CaseIndices))]
        public void Float64MatchesReferenceTo1e9(int index)
        {
            var c = Cases[index];
            foreach (var path in Paths)
                foreach (var functional in new[] { false, true })
                {
                    var (loss, grad) = Run(c, ScalarType.Float64, functional, path);
                    Numerics.AssertClose(c.Loss, loss, 1e-9, 1e-12, $"case {index} {path} loss");
                    Numerics.AssertClose(c.GradLogits, grad, 1e-9, 1e-12, $"case {index} {path} gradient");
                }
        }

        [Theory]
        [MemberData(nameof(CaseIndices))]
        public void Float32MatchesReferenceTo1e5(int index)
        {
            var c = Cases[index];
            foreach (var path in Paths)
            {
                var (loss, grad) = Run(c, ScalarType.Float32, functional: false, path);
                Numerics.AssertClose(c.Loss, loss, 1e-5, 1e-6, $"case {index} {path} loss");
                Numerics.AssertClose(c.GradLogits, grad, 1e-5, 1e-6, $"case {index} {path} gradient");
            }
        }
    }
}
