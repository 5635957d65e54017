using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Arbloss.Samples.Data;
using Arbloss.Samples.Tests.Support;
using Xunit;

namespace Arbloss.Samples.Tests.Data
{
    /// <summary>The downloader against a loopback HTTP server serving a small file.</summary>
    public sealed class DownloaderTests : IDisposable
    {
        private readonly byte[] _payload = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 31 % 251)).ToArray();
        private readonly HttpListener _listener = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly string _base;

        public DownloaderTests()
        {
            int port = FreePort();
            _base = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(_base);
            _listener.Start();
            Task.Run(Serve);
        }

        private static int FreePort()
        {
            var socket = new TcpListener(IPAddress.Loopback, 0);
            socket.Start();
            int port = ((IPEndPoint)socket.LocalEndpoint).Port;
            socket.Stop();
            return port;
        }

        private async Task Serve()
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (HttpListenerException)
                {
                    return;
                }
                var path = context.Request.Url!.AbsolutePath;
                if (path == "/data.bin")
                {
                    context.Response.ContentLength64 = _payload.Length;
                    await context.Response.OutputStream.WriteAsync(_payload);
                }
                else if (path == "/truncated.bin")
                {
                    context.Response.ContentLength64 = _payload.Length;
                    await context.Response.OutputStream.WriteAsync(_payload.AsMemory(0, 1000));
                    context.Response.Abort();
                    continue;
                }
                else
                {
                    context.Response.StatusCode = 404;
                }
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Close();
        }

        private string Digest => Convert.ToHexStringLower(SHA256.HashData(_payload));

        private string Md5Digest => Convert.ToHexStringLower(MD5.HashData(_payload));

        private sealed class Recorder : IDownloadProgress
        {
            public long Last;
            public long? Total;
            public bool? Success;

            public void Report(string fileName, long received, long? total)
            {
                Last = received;
                Total = total;
            }

            public void Completed(string fileName, bool success) => Success = success;
        }

        [Fact]
        public void CorrectChecksumPlacesTheFileAndLeavesNoTemporaryFile()
        {
            using var dir = new TempDir();
            var progress = new Recorder();
            var path = new Downloader(progress).Fetch(new DownloadSpec(_base + "data.bin", "data.bin", Digest), dir.Combine("out"));
            Assert.Equal(dir.Combine("out", "data.bin"), path);
            Assert.Equal(_payload, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(dir.Combine("out"), "*", SearchOption.AllDirectories));
            Assert.Equal(_payload.Length, progress.Last);
            Assert.Equal(_payload.Length, progress.Total);
            Assert.True(progress.Success);
            // A placed file is verified and is not fetched again.
            Assert.Equal(path, new Downloader().Fetch(new DownloadSpec(_base + "missing.bin", "data.bin", Digest), dir.Combine("out")));
        }

        [Fact]
        public void WrongChecksumLeavesNothing()
        {
            using var dir = new TempDir();
            var progress = new Recorder();
            var e = Assert.Throws<DownloadException>(() => new Downloader(progress).Fetch(new DownloadSpec(_base + "data.bin", "data.bin", new string('0', 64)), dir.Combine("out")));
            Assert.Contains("SHA-256", e.Message);
            Assert.Contains(Digest, e.Message);
            Assert.Empty(Directory.GetFiles(dir.Combine("out"), "*", SearchOption.AllDirectories));
            Assert.False(progress.Success);
        }

        [Fact]
        public void Md5IsCheckedWhenTheSpecHasOne()
        {
            using var dir = new TempDir();
            var path = new Downloader().Fetch(new DownloadSpec(_base + "data.bin", "data.bin", Digest) { Md5 = Md5Digest.ToUpperInvariant() }, dir.Combine("ok"));
            Assert.Equal(_payload, File.ReadAllBytes(path));
            var e = Assert.Throws<DownloadException>(() => new Downloader().Fetch(new DownloadSpec(_base + "data.bin", "data.bin", Digest) { Md5 = new string('0', 32) }, dir.Combine("out")));
            Assert.Contains("MD5", e.Message);
            Assert.Contains(Md5Digest, e.Message);
            Assert.Empty(Directory.GetFiles(dir.Combine("out"), "*", SearchOption.AllDirectories));
        }

        [Fact]
        public void TruncatedTransferAndHttpErrorsLeaveNothing()
        {
            using var dir = new TempDir();
            Assert.Throws<DownloadException>(() => new Downloader().Fetch(new DownloadSpec(_base + "truncated.bin", "t.bin", Digest), dir.Combine("out")));
            var notFound = Assert.Throws<DownloadException>(() => new Downloader().Fetch(new DownloadSpec(_base + "nothing", "n.bin", Digest), dir.Combine("out")));
            Assert.Contains("404", notFound.Message);
            Assert.Empty(Directory.GetFiles(dir.Combine("out"), "*", SearchOption.AllDirectories));
        }

        [Fact]
        public void UnreachableServerIsOneClearLine()
        {
            using var dir = new TempDir();
            int closed = FreePort();
            var e = Assert.Throws<DownloadException>(() => new Downloader().Fetch(new DownloadSpec($"http://127.0.0.1:{closed}/x.bin", "x.bin", Digest), dir.Combine("out")));
            Assert.Contains("cannot reach 127.0.0.1", e.Message);
            Assert.Contains("offline", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.False(File.Exists(dir.Combine("out", "x.bin")));
        }

        [Fact]
        public void PublishedChecksumsAreWellFormed()
        {
            foreach (var spec in KnownDownloads.FashionMnist.Append(KnownDownloads.Cifar10).Append(KnownDownloads.Cifar100)
                .Append(KnownDownloads.Cifar10Python).Append(KnownDownloads.Cifar100Python))
            {
                Assert.Matches("^[0-9a-f]{64}$", spec.Sha256);
                if (spec.Md5 is not null) Assert.Matches("^[0-9a-f]{32}$", spec.Md5);
                Assert.StartsWith("http", spec.Url);
                Assert.EndsWith(spec.FileName, spec.Url);
            }
        }
    }
}
