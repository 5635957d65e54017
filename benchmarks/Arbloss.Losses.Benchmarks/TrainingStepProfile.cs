using System;
using System.Diagnostics;
using Arbloss.Samples.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// Forward, backward and SGD step of one training step of the main job's networks on random data (batch 128,
    /// cross-entropy): <c>dotnet run -c Release --project benchmarks/Arbloss.Losses.Benchmarks -- profile-step
    /// [--threads N] [--steps N]</c>. benchmarks/peer/step.py times the same in PyTorch.
    /// </summary>
    public static class TrainingStepProfile
    {
        public static int Run(string[] args)
        {
            int threads = 2, steps = 10;
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--threads": threads = int.Parse(args[++i]); break;
                    case "--steps": steps = int.Parse(args[++i]); break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            torch.set_num_threads(threads);
            torch.manual_seed(0);
            foreach (var (name, model, shape) in new (string, ClassifierNetwork, long[])[]
            {
                ("resnet32", new ResNet32(10), new long[] { 128, 3, 32, 32 }),
                ("resnet32 (NCHW activations)", new ResNet32(10) { ChannelsLast = false }, new long[] { 128, 3, 32, 32 }),
                ("fmnist", new FashionMnistNet(10), new long[] { 128, 1, 28, 28 }),
            })
            {
                using (model)
                using (var x = randn(shape))
                using (var y = randint(0, 10, new long[] { 128 }, ScalarType.Int64))
                
                {
                    model.train();
                    using var opt = optim.SGD(model.parameters(), 0.1, momentum: 0.9, weight_decay: 2e-4);
                    double f = 0, b = 0, o = 0;
                    TimeSpan cpu = TimeSpan.Zero;
                    for (int s = 0; s < steps + 3; s++)
                    {
                        using var scope = NewDisposeScope();
                        var c0 = Process.GetCurrentProcess().TotalProcessorTime;
                        long t0 = Stopwatch.GetTimestamp();
                        var loss = nn.functional.cross_entropy(model.call(x), y);
                        long t1 = Stopwatch.GetTimestamp();
                        opt.zero_grad();
                        loss.backward();
                        long t2 = Stopwatch.GetTimestamp();
                        opt.step();
                        long t3 = Stopwatch.GetTimestamp();
                        if (s < 3) continue;
                        cpu += Process.GetCurrentProcess().TotalProcessorTime - c0;
                        f += t1 - t0; b += t2 - t1; o += t3 - t2;
                    }
                    double ms = 1000.0 / Stopwatch.Frequency / steps;
                    Console.WriteLine($"{name} fwd {f * ms:F1} ms bwd {b * ms:F1} ms opt {o * ms:F1} ms, CPU time {cpu.TotalMilliseconds / steps:F1} ms per step ({threads} threads, mean of {steps} steps)");
                }
            }
            return 0;
        }
    }
}
