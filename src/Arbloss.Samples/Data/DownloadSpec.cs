using System;

namespace Arbloss.Samples.Data
{
    /// <summary>A file to download: where from, the name to give it, and the SHA-256 (and optionally the MD5) of the
    /// published file.</summary>
    /// <param name="Url">Absolute http(s) address.</param>
    /// <param name="FileName">Name of the file in the destination folder.</param>
    /// <param name="Sha256">Lower-case hex SHA-256 of the published file; the download is kept only if it matches.</param>
    public sealed record DownloadSpec(string Url, string FileName, string Sha256)
    {
        /// <summary>Lower-case hex MD5 of the published file (the digest torchvision checks), or null for none; when
        /// set, the download is kept only if it matches too.</summary>
        public string? Md5 { get; init; }

        /// <summary>The host part of <see cref="Url"/>, for messages.</summary>
        public string Host => Uri.TryCreate(Url, UriKind.Absolute, out var uri) ? uri.Host : Url;
    }
}
