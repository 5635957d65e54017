using System;
using System.IO;
using System.Text;
using Arbloss.Samples.IO;
using TorchSharp;
using TorchSharp.Modules;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Arbloss.Samples.Training
{
    /// <summary>
    /// Reads and writes checkpoints: one file holding the magic <c>ARBLCKPT</c>, the <see cref="CheckpointState"/> as
    /// JSON, the model's state (TorchSharp's <c>Module.save</c> format: parameters and buffers such as batch-norm
    /// statistics) and, optionally, the optimizer's state (SGD momentum buffers), each as a length-prefixed block.
    /// Written atomically; a JSON copy of the state (numbers rounded) is written beside it for people to read.
    /// </summary>
    /// <remarks>Load the model into a CPU model before moving it to its device and creating the optimizer (moving a
    /// TorchSharp module replaces its parameter objects), then load the optimizer with <see cref="LoadOptimizer"/>.</remarks>
    public static class Checkpoint
    {
        private static readonly byte[] Magic = Encoding.ASCII.GetBytes("ARBLCKPT");

        /// <summary>Writes a checkpoint atomically, plus <c>path + ".json"</c> with the state.</summary>
        /// <param name="path">Destination file.</param>
        /// <param name="model">The model.</param>
        /// <param name="optimizer">The optimizer, or null to store weights only.</param>
        /// <param name="state">Metadata and history.</param>
        /// <exception cref="ArgumentNullException">A required argument is null.</exception>
        /// <exception cref="IOException">The file cannot be written; an existing checkpoint is left as it was.</exception>
        public static void Save(string path, nn.Module model, OptimizerHelper? optimizer, CheckpointState state)
        {
            ArgumentNullException.ThrowIfNull(path);
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(state);
            // Every bit inside the checkpoint (a resumed run compares against it); rounded in the copy for people.
            var json = Json.SerializeExact(state);
            var modelBytes = Serialize(w => model.save(w));
            var optimizerBytes = optimizer is null ? null : Serialize(optimizer.save_state_dict);
            AtomicFile.Write(path, stream =>
            {
                using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
                writer.Write(Magic);
                writer.Write(json);
                writer.Write((long)modelBytes.Length);
                writer.Write(modelBytes);
                writer.Write(optimizerBytes?.LongLength ?? -1L);
                if (optimizerBytes is not null) writer.Write(optimizerBytes);
                writer.Flush();
            });
            AtomicFile.WriteAllText(path + ".json", Json.Serialize(state));
        }

        /// <summary>Reads only the metadata of a checkpoint.</summary>
        /// <param name="path">A checkpoint file.</param>
        /// <returns>The state.</returns>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="InvalidDataException">The file is not a checkpoint of this app.</exception>
        public static CheckpointState ReadState(string path)
        {
            using var reader = Open(path);
            return ReadHeader(reader, path);
        }

        /// <summary>Loads a checkpoint's weights into a model (best on the CPU, before moving it to its device).</summary>
        /// <param name="path">A checkpoint file.</param>
        /// <param name="model">A model of the same architecture; its parameters and buffers are overwritten.</param>
        /// <returns>The state.</returns>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="InvalidDataException">The file is not a checkpoint of this app, or does not fit the model.</exception>
        public static CheckpointState LoadModel(string path, nn.Module model)
        {
            ArgumentNullException.ThrowIfNull(model);
            using var reader = Open(path);
            var state = ReadHeader(reader, path);
            var block = ReadBlock(reader, path, "model") ?? throw new InvalidDataException($"{path} has no model state.");
            Guard(path, state, () =>
            {
                using var blockReader = new BinaryReader(new MemoryStream(block));
                model.load(blockReader, strict: true);
            });
            return state;
        }

        /// <summary>Loads a checkpoint's optimizer state (momentum buffers) into an optimizer over the model's parameters.</summary>
        /// <param name="path">A checkpoint file.</param>
        /// <param name="optimizer">The optimizer, created after the model was loaded and moved to its device.</param>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="InvalidDataException">The file holds no optimizer state or it does not fit.</exception>
        public static void LoadOptimizer(string path, OptimizerHelper optimizer)
        {
            ArgumentNullException.ThrowIfNull(optimizer);
            using var reader = Open(path);
            var state = ReadHeader(reader, path);
            _ = ReadBlock(reader, path, "model");
            var block = ReadBlock(reader, path, "optimizer") ?? throw new InvalidDataException($"{path} holds weights only; it cannot resume training.");
            Guard(path, state, () =>
            {
                using var blockReader = new BinaryReader(new MemoryStream(block));
                optimizer.load_state_dict(blockReader);
            });
        }

        private static void Guard(string path, CheckpointState state, Action load)
        {
            try
            {
                load();
            }
            catch (Exception e) when (e is ArgumentException or EndOfStreamException or InvalidOperationException or InvalidDataException or ExternalException)
            {
                throw new InvalidDataException($"{path} does not fit this model: it was written for backbone '{state.Backbone}' with {state.NumClasses} classes ({e.Message}).", e);
            }
        }

        private static byte[] Serialize(Action<BinaryWriter> write)
        {
            using var memory = new MemoryStream();
            using (var writer = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
            {
                write(writer);
                writer.Flush();
            }
            return memory.ToArray();
        }

        private static BinaryReader Open(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
            return new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        }

        private static byte[]? ReadBlock(BinaryReader reader, string path, string what)
        {
            try
            {
                long length = reader.ReadInt64();
                if (length < 0) return null;
                if (length > reader.BaseStream.Length - reader.BaseStream.Position)
                    throw new InvalidDataException($"{path} is truncated (its {what} block is cut short).");
                return reader.ReadBytes(checked((int)length));
            }
            catch (EndOfStreamException e)
            {
                throw new InvalidDataException($"{path} is truncated (no {what} block).", e);
            }
        }

        private static CheckpointState ReadHeader(BinaryReader reader, string path)
        {
            try
            {
                var magic = reader.ReadBytes(Magic.Length);
                if (!magic.AsSpan().SequenceEqual(Magic))
                    throw new InvalidDataException($"{path} is not a checkpoint written by Arbloss.Samples.");
                return Json.Deserialize<CheckpointState>(reader.ReadString());
            }
            catch (Exception e) when (e is EndOfStreamException or System.Text.Json.JsonException)
            {
                throw new InvalidDataException($"{path} is truncated or corrupt: {e.Message}", e);
            }
        }
    }
}
