using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// Loads and saves model weights by state_dict key in PyTorch's formats, through TorchSharp.PyBridge: a
    /// <c>torch.save(model.state_dict())</c> file (<c>.pth</c>, zip format) or a safetensors file. Works for any
    /// module; with <see cref="ResNet"/> it loads torchvision's ImageNet weights.
    /// </summary>
    public static class ResNetWeights
    {
        private const string NumBatchesTracked = ".num_batches_tracked";

        /// <summary>
        /// Loads weights into <paramref name="model"/> by name. Every key of the model must be in the file with the same
        /// shape and every key of the file must be in the model, with two allowances: batch-norm
        /// <c>num_batches_tracked</c> counters may be absent (older torchvision files lack them), and a <c>module.</c>
        /// prefix on every key (a DataParallel checkpoint) is removed. Values are converted to the model's dtype and device.
        /// </summary>
        /// <param name="model">The model to fill.</param>
        /// <param name="path">A <c>.pth</c> (zip) or safetensors file; the format is recognised from the content.</param>
        /// <param name="skipClassifier">Leave the model's <c>fc.weight</c> and <c>fc.bias</c> as they are and ignore the
        /// file's (to start from ImageNet weights with a classifier for a different number of classes).</param>
        /// <returns>The keys that were loaded.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="path"/> is null.</exception>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="InvalidDataException">The file is not a state_dict in either format, or its keys or shapes do
        /// not match the model; the message lists the missing, unexpected and mismatched keys.</exception>
        public static IReadOnlyList<string> Load(nn.Module model, string path, bool skipClassifier = false) =>
            LoadCore(model, path, skipClassifier ? IsClassifierKey : static _ => false, skipClassifier);

        /// <summary>
        /// Loads weights into <paramref name="model"/> by name as <see cref="Load(nn.Module, string, bool)"/> does, leaving
        /// out every key, of the model and of the file, for which <paramref name="skip"/> returns true: those are neither
        /// required nor loaded (for example <c>fc.*</c> and the replaced <c>layer4.2.*</c> of the authors' Places-LT trunk).
        /// </summary>
        /// <param name="model">The model to fill.</param>
        /// <param name="path">A <c>.pth</c> (zip) or safetensors file; the format is recognised from the content.</param>
        /// <param name="skip">Which keys (after removing a <c>module.</c> prefix) to leave out.</param>
        /// <returns>The keys that were loaded.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="model"/>, <paramref name="path"/> or <paramref name="skip"/> is null.</exception>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="InvalidDataException">The file is not a state_dict in either format, or its remaining keys or
        /// shapes do not match the model; the message lists the missing, unexpected and mismatched keys.</exception>
        public static IReadOnlyList<string> Load(nn.Module model, string path, Func<string, bool> skip)
        {
            if (skip is null) throw new ArgumentNullException(nameof(skip));
            return LoadCore(model, path, skip, skipClassifier: false);
        }

        private static bool IsClassifierKey(string key) => key == "fc.weight" || key == "fc.bias";

        private static IReadOnlyList<string> LoadCore(nn.Module model, string path, Func<string, bool> skip, bool skipClassifier)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (path is null) throw new ArgumentNullException(nameof(path));
            if (!File.Exists(path)) throw new FileNotFoundException($"Weights file '{path}' does not exist.", path);
            using var scope = NewDisposeScope();
            var source = ReadStateDict(path);
            StripDataParallelPrefix(source);
            var target = model.state_dict();
            bool Skipped(string key) => skip(key);
            var missing = target.Keys.Where(k => !Skipped(k) && !source.ContainsKey(k) && !k.EndsWith(NumBatchesTracked, StringComparison.Ordinal)).ToList();
            var unexpected = source.Keys.Where(k => !Skipped(k) && !target.ContainsKey(k)).ToList();
            var mismatched = source.Keys.Where(k => !Skipped(k) && target.ContainsKey(k) && !target[k].shape.SequenceEqual(source[k].shape))
                .Select(k => $"{k}: file [{string.Join(", ", source[k].shape)}], model [{string.Join(", ", target[k].shape)}]").ToList();
            if (missing.Count > 0 || unexpected.Count > 0 || mismatched.Count > 0)
            {
                var hint = mismatched.Any(m => m.StartsWith("fc.", StringComparison.Ordinal)) && !skipClassifier
                    ? " The classifier differs: pass skipClassifier: true to keep the model's own fc."
                    : "";
                throw new InvalidDataException($"The weights in '{path}' do not match the model ({model.GetName()}).{hint}"
                    + Describe("missing from the file", missing)
                    + Describe("unexpected in the file", unexpected)
                    + Describe("with a different shape", mismatched));
            }
            var loaded = new List<string>();
            using (no_grad())
            {
                foreach (var (key, value) in source)
                {
                    if (Skipped(key)) continue;
                    target[key].copy_(value);
                    loaded.Add(key);
                }
            }
            return loaded;
        }

        /// <summary>
        /// Saves <paramref name="model"/>'s state_dict atomically (a temporary file, then a rename): safetensors when the
        /// path ends in <c>.safetensors</c>, otherwise PyTorch's zip format readable by <c>torch.load</c>.
        /// </summary>
        /// <param name="model">The model to save.</param>
        /// <param name="path">Destination file; its folder must exist.</param>
        /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="path"/> is null.</exception>
        /// <exception cref="DirectoryNotFoundException">The destination folder does not exist.</exception>
        public static void Save(nn.Module model, string path)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (path is null) throw new ArgumentNullException(nameof(path));
            var full = Path.GetFullPath(path);
            var folder = Path.GetDirectoryName(full)!;
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Folder '{folder}' does not exist; create it before saving '{path}'.");
            var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
            try
            {
                using (var stream = File.Create(temporary))
                {
                    if (IsSafetensorsPath(full)) model.save_safetensors(stream, leaveOpen: true);
                    else model.save_py(stream, leaveOpen: true);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(temporary, full, overwrite: true);
            }
            finally
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
        }

        private static bool IsSafetensorsPath(string path) => path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

        /// <summary>Reads a state_dict of either format into tensors owned by the current dispose scope.</summary>
        private static Dictionary<string, Tensor> ReadStateDict(string path)
        {
            Span<byte> magic = stackalloc byte[2];
            using (var probe = File.OpenRead(path))
            {
                if (probe.Read(magic) < 2) throw new InvalidDataException($"'{path}' is too short to hold weights.");
            }
            try
            {
                if (magic[0] == (byte)'P' && magic[1] == (byte)'K')
                {
                    var table = PyTorchUnpickler.UnpickleStateDict(path);
                    var result = new Dictionary<string, Tensor>();
                    foreach (DictionaryEntry entry in table)
                    {
                        if (entry.Key is not string key || entry.Value is not Tensor tensor)
                            throw new InvalidDataException($"'{path}' holds something other than a flat state_dict of tensors (key '{entry.Key}'); save model.state_dict() itself.");
                        result[key] = tensor;
                    }
                    return result;
                }
                return Safetensors.LoadStateDict(path);
            }
            catch (Exception ex) when (ex is not InvalidDataException and not OutOfMemoryException)
            {
                throw new InvalidDataException($"'{path}' is neither a PyTorch state_dict saved by torch.save (zip format) nor a safetensors file: {ex.Message}", ex);
            }
        }

        private static void StripDataParallelPrefix(Dictionary<string, Tensor> source)
        {
            const string prefix = "module.";
            if (source.Count == 0 || !source.Keys.All(k => k.StartsWith(prefix, StringComparison.Ordinal))) return;
            foreach (var key in source.Keys.ToList())
            {
                var value = source[key];
                source.Remove(key);
                source[key[prefix.Length..]] = value;
            }
        }

        private static string Describe(string what, List<string> keys)
        {
            if (keys.Count == 0) return "";
            const int shown = 12;
            var list = string.Join(", ", keys.Take(shown));
            return $" {keys.Count} key(s) {what}: {list}{(keys.Count > shown ? $", ... ({keys.Count - shown} more)" : "")}.";
        }
    }
}
