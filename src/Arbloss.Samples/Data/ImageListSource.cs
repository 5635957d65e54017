using System;
using System.Collections.Generic;
using System.IO;
using Arbloss.Samples.Data.ImageLists;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// An <see cref="ISampleSource"/> over a list-file split (<see cref="ImageListDataset"/>): each <see cref="Read"/>
    /// decodes one JPEG with <see cref="ImageDecoder"/> and writes it through the authors' training transform
    /// (<see cref="TrainImageTransform"/>, when given a random source) or the evaluation transform
    /// (<see cref="EvalImageTransform"/>). This is how the list-file datasets enter the training pipeline: the
    /// app's one loader, <see cref="BatchLoader"/>, does the batching, parallel reading and prefetching, as for every
    /// other dataset.
    /// </summary>
    public sealed class ImageListSource : ISampleSource
    {
        private readonly long[] _labels;
        private readonly long[] _shape;

        /// <summary>Wraps a split.</summary>
        /// <param name="dataset">The images and (re-mapped) labels.</param>
        /// <param name="train">The augmentation used when <see cref="Read"/> gets a random source; null to always use <paramref name="eval"/>.</param>
        /// <param name="eval">The deterministic transform used without a random source.</param>
        /// <exception cref="ArgumentNullException"><paramref name="dataset"/> or <paramref name="eval"/> is null.</exception>
        /// <exception cref="ArgumentException">The two transforms have different output sizes.</exception>
        public ImageListSource(ImageListDataset dataset, ImageTransform? train, ImageTransform eval)
        {
            Dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
            Eval = eval ?? throw new ArgumentNullException(nameof(eval));
            if (train is not null && train.OutputSize != eval.OutputSize)
                throw new ArgumentException($"The training transform writes {train.OutputSize} px images but the evaluation transform {eval.OutputSize} px.", nameof(train));
            Train = train;
            _labels = new long[dataset.Count];
            for (var i = 0; i < _labels.Length; i++) _labels[i] = dataset.Labels[i];
            _shape = new long[] { 3, eval.OutputSize, eval.OutputSize };
        }

        /// <summary>The split.</summary>
        public ImageListDataset Dataset { get; }

        /// <summary>The training augmentation, or null.</summary>
        public ImageTransform? Train { get; }

        /// <summary>The evaluation transform.</summary>
        public ImageTransform Eval { get; }

        /// <inheritdoc />
        public int Count => _labels.Length;

        /// <inheritdoc />
        public IReadOnlyList<long> Labels => _labels;

        /// <inheritdoc />
        public IReadOnlyList<long> SampleShape => _shape;

        /// <inheritdoc />
        /// <exception cref="ImageListException">The image cannot be read or decoded; the message names the list file and line.</exception>
        public void Read(int index, Span<float> destination, Random? augmentation)
        {
            if ((uint)index >= (uint)_labels.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"The split has {_labels.Length} images.");
            var transform = augmentation is not null && Train is not null ? Train : Eval;
            if (destination.Length != transform.OutputLength)
                throw new ArgumentException($"Expected {transform.OutputLength} floats, got {destination.Length}.", nameof(destination));
            var seed = augmentation is null ? 0UL : (ulong)augmentation.NextInt64(long.MinValue, long.MaxValue);
            RgbaImage image;
            try
            {
                image = ImageDecoder.Decode(Dataset.ImagePath(index));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                var entry = Dataset.Entries[index];
                throw new ImageListException(Dataset.ListPath, entry.LineNumber, $"the image '{entry.RelativePath}' cannot be loaded: {e.Message}", e);
            }
            using (image) transform.Apply(image, seed, destination);
        }
    }
}
