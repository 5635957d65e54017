using System;
using System.IO;
using System.Linq;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Tests.Support;
using Arbloss.Samples.Training;
using Xunit;

namespace Arbloss.Samples.Tests.Training
{
    public class RunPathsTests
    {
        private static void Touch(string path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "x");
        }

        [Fact]
        public void TheRunFolderOfAResumeValueIsTheFolderTheRunLivesIn()
        {
            using var dir = new TempDir();
            var run = dir.Combine("run");
            Touch(Path.Combine(run, "checkpoints", "last.ckpt"));
            Assert.Equal(run, RunPaths.RunFolderOf(run));
            Assert.Equal(run, RunPaths.RunFolderOf(Path.Combine(run, "checkpoints")));
            Assert.Equal(run, RunPaths.RunFolderOf(Path.Combine(run, "checkpoints", "last.ckpt")));
            // The authors' model_dir.
            var theirs = dir.Combine("theirs");
            Touch(Path.Combine(theirs, "ckps", "last.ckpt"));
            Assert.Equal(theirs, RunPaths.RunFolderOf(Path.Combine(theirs, "ckps", "last.ckpt"), "ckps"));
            Assert.Equal(Path.Combine(theirs, "ckps", "last.ckpt"), RunPaths.ResolveResume(theirs, "ckps"));
            // A checkpoint file elsewhere: its own folder.
            var loose = dir.Combine("saved", "x.ckpt");
            Touch(loose);
            Assert.Equal(dir.Combine("saved"), RunPaths.RunFolderOf(loose));
            Assert.Null(RunPaths.RunFolderOf(dir.Combine("nothing")));

            var cfg = ConfigLoader.Parse($"dataset: synthetic\nlog_dir: '{dir.Combine("logs")}'\nname: n\n", "x.yaml");
            Assert.Equal(dir.Combine("logs", "n"), RunPaths.For(cfg, null).OutputDir);
            Assert.Equal(run, RunPaths.For(cfg with { Resume = run }, null).OutputDir);
            Assert.Equal(dir.Combine("o"), RunPaths.For(cfg with { Resume = run }, dir.Combine("o")).OutputDir);
        }

        [Fact]
        public void MovingAsideAndDeletingTouchOnlyTheRunsOwnFiles()
        {
            using var dir = new TempDir();
            var paths = new RunPaths(dir.Combine("run"));
            Assert.False(paths.HoldsRun);
            Touch(paths.LastCheckpoint);
            Touch(paths.LastCheckpoint + ".json");
            Touch(paths.Results);
            Touch(Path.Combine(paths.PlotDir, "accuracy.png"));
            Touch(dir.Combine("run", "notes.txt"));
            Assert.Equal(new[] { "checkpoints/last.ckpt", "results.json" }, paths.ExistingRunFiles());

            var aside = paths.MoveAside(new DateTime(2024, 5, 6, 7, 8, 9));
            Assert.Equal(dir.Combine("run.old-20240506-070809"), aside);
            foreach (var file in new[] { "checkpoints/last.ckpt", "checkpoints/last.ckpt.json", "results.json", "plots/accuracy.png" })
                Assert.True(File.Exists(Path.Combine(aside, file)), file);
            Assert.False(paths.HoldsRun);
            Assert.True(File.Exists(dir.Combine("run", "notes.txt")), "files that are not the run's stay");
            Assert.False(Directory.Exists(paths.CheckpointDir));
            Assert.Equal(dir.Combine("run.old-20240506-070809-2"), paths.AsideFolder(new DateTime(2024, 5, 6, 7, 8, 9)));

            Touch(paths.BestCheckpoint);
            Touch(paths.Log);
            paths.DeleteRun();
            Assert.False(paths.HoldsRun);
            Assert.True(File.Exists(dir.Combine("run", "notes.txt")));
        }
    }
}
