using System;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// Downloads files safely: streams into a hidden temporary file beside the destination while hashing,
    /// compares the SHA-256 (and the MD5, when the spec has one) with the published ones, and only then renames the
    /// file into place (atomic on one file system). A failed, interrupted or corrupted download never leaves a file that a later run would trust.
    /// </summary>
    public sealed class Downloader
    {
        private readonly HttpClient _client;
        private readonly TimeSpan _stallTimeout;

        /// <summary>Creates a downloader.</summary>
        /// <param name="progress">Receives progress; null for none.</param>
        /// <param name="connectTimeout">How long to wait for a connection (default 15 s).</param>
        /// <param name="stallTimeout">How long a transfer may receive nothing before it is abandoned (default 60 s).</param>
        public Downloader(IDownloadProgress? progress = null, TimeSpan? connectTimeout = null, TimeSpan? stallTimeout = null)
        {
            Progress = progress;
            _stallTimeout = stallTimeout ?? TimeSpan.FromSeconds(60);
            var handler = new SocketsHttpHandler { ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(15), AllowAutoRedirect = true };
            _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
            _client.DefaultRequestHeaders.UserAgent.ParseAdd("Arbloss.Samples/1.0");
        }

        /// <summary>Receives progress; null for none.</summary>
        public IDownloadProgress? Progress { get; set; }

        /// <summary>Returns the verified file <c>folder/spec.FileName</c>, downloading it first when absent.</summary>
        /// <param name="spec">What to fetch.</param>
        /// <param name="folder">Destination folder (created when needed).</param>
        /// <param name="cancellationToken">Cancels the transfer; the temporary file is removed.</param>
        /// <returns>The path of the placed file.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="DownloadException">Unreachable host, HTTP error, stalled transfer, SHA-256 or MD5 mismatch,
        /// or the folder cannot be written.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
        public string Fetch(DownloadSpec spec, string folder, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(spec);
            ArgumentNullException.ThrowIfNull(folder);
            var target = Path.Combine(folder, spec.FileName);
            if (File.Exists(target)) return target; // only verified files are ever placed there
            string temp;
            try
            {
                Directory.CreateDirectory(folder);
                temp = Path.Combine(folder, $".{spec.FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.part");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DownloadException($"cannot write to {folder}: {e.Message}", e);
            }

            bool placed = false;
            try
            {
                var (sha256, md5) = Transfer(spec, temp, cancellationToken);
                if (!string.Equals(sha256, spec.Sha256, StringComparison.OrdinalIgnoreCase))
                    throw new DownloadException($"{spec.FileName} from {spec.Host} has SHA-256 {sha256}, expected {spec.Sha256}; the download was discarded.");
                if (spec.Md5 is not null && !string.Equals(md5, spec.Md5, StringComparison.OrdinalIgnoreCase))
                    throw new DownloadException($"{spec.FileName} from {spec.Host} has MD5 {md5}, expected {spec.Md5}; the download was discarded.");
                File.Move(temp, target, overwrite: true);
                placed = true;
                return target;
            }
            finally
            {
                Progress?.Completed(spec.FileName, placed);
                if (!placed) TryDelete(temp);
            }
        }

        private (string Sha256, string Md5) Transfer(DownloadSpec spec, string temp, CancellationToken cancellationToken)
        {
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stall.CancelAfter(_stallTimeout);
            HttpResponseMessage response;
            try
            {
                response = _client.Send(new HttpRequestMessage(HttpMethod.Get, spec.Url), HttpCompletionOption.ResponseHeadersRead, stall.Token);
            }
            catch (HttpRequestException e)
            {
                var reason = e.InnerException is SocketException se ? se.Message : e.Message;
                throw new DownloadException($"cannot reach {spec.Host} ({reason}); this machine looks offline", e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DownloadException($"{spec.Host} did not answer within {_stallTimeout.TotalSeconds:F0} s", e);
            }
            catch (InvalidOperationException e) // e.g. a malformed address
            {
                throw new DownloadException($"cannot download {spec.Url}: {e.Message}", e);
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode)
                    throw new DownloadException($"{spec.Host} answered {(int)response.StatusCode} {response.ReasonPhrase} for {spec.FileName}");
                long? total = response.Content.Headers.ContentLength;
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
                try
                {
                    using var input = response.Content.ReadAsStream(stall.Token);
                    using var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                    var buffer = new byte[1 << 16];
                    long received = 0;
                    int read;
                    while ((read = input.ReadAsync(buffer, stall.Token).AsTask().GetAwaiter().GetResult()) > 0)
                    {
                        stall.CancelAfter(_stallTimeout);
                        output.Write(buffer, 0, read);
                        hash.AppendData(buffer, 0, read);
                        md5.AppendData(buffer, 0, read);
                        received += read;
                        Progress?.Report(spec.FileName, received, total);
                    }
                    if (total is long expected && received != expected)
                        throw new DownloadException($"{spec.FileName}: the connection closed after {received} of {expected} bytes");
                    output.Flush(flushToDisk: true);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new DownloadException($"{spec.FileName}: the transfer from {spec.Host} stalled for {_stallTimeout.TotalSeconds:F0} s", e);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw new DownloadException($"{spec.FileName}: the transfer from {spec.Host} failed: {e.Message}", e);
                }
                return (Convert.ToHexStringLower(hash.GetHashAndReset()), Convert.ToHexStringLower(md5.GetHashAndReset()));
            }
        }

        /// <summary>Computes the lower-case hex SHA-256 of a file.</summary>
        /// <param name="path">The file.</param>
        /// <returns>64 hex digits.</returns>
        /// <exception cref="IOException">The file cannot be read.</exception>
        public static string Sha256Of(string path)
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        private static void TryDelete(string path)
        {
            try
            {
                if (File.Exists(path)) File.Delete(path);
            }
            catch (IOException)
            {
                // Best effort: a left-over '.part' file is hidden and never trusted.
            }
            catch (UnauthorizedAccessException)
            {
                // As above.
            }
        }
    }
}
