using System;
using System.Collections.Generic;
using System.IO;
using Arbloss.Samples.Data.ImageLists;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// An <see cref="ISampleSource"/> over a list-file split (<see cref="ImageListDataset"/>): each <see cref="Read"/>
    /// decodes one JPEG with <see cref="ImageDecoder"/> and writes it through the authors' training transform
    /// (<see cref="TrainImageTransform"/>, when given a seed) or the evaluation transform
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
        /// <param name="train">The augmentation used when <see cref="Read"/> gets a seed; null to always use <paramref name="eval"/>.</param>
        /// <param name="eval">The deterministic transform used without a random source.</param>
        /// <exception cref="ArgumentNullException"><paramref name="dataset"/> or <paramref name="eval"/> is null.</exception>
        /// <exception cref="ArgumentException">The two transforms have different output sizes or normalisations.</exception>
        public ImageListSource(ImageListDataset dataset, ImageTransform? train, ImageTransform eval)
        {
            Dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
            Eval = eval ?? throw new ArgumentNullException(nameof(eval));
            if (train is not null && train.OutputSize != eval.OutputSize)
                throw new ArgumentException($"The training transform writes {train.OutputSize} px images but the evaluation transform {eval.OutputSize} px.", nameof(train));
            Train = train;
            _labels = new long[dataset.Count];
            for (var i = 0; i < _labels.Length; i++) _labels[i] = dataset.Labels[i];
            if (train is not null && train.Normalization != eval.Normalization)
                throw new ArgumentException("The training and evaluation transforms normalise differently.", nameof(train));
            _shape = new long[] { 3, eval.OutputSize, eval.OutputSize };
            Pixels = PixelsOf(eval.Normalization);
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
        public PixelNormalization Pixels { get; }

        /// <inheritdoc />
        /// <exception cref="ImageListException">The image cannot be read or decoded; the message names the list file and line.</exception>
        public void Read(int index, Span<float> destination, ulong? augmentationSeed)
        {
            var transform = Pick(index, augmentationSeed);
            if (destination.Length != transform.OutputLength)
                throw new ArgumentException($"Expected {transform.OutputLength} floats, got {destination.Length}.", nameof(destination));
            using var image = Decode(index);
            transform.Apply(image, augmentationSeed ?? 0, destination);
        }

        /// <inheritdoc />
        /// <exception cref="ImageListException">The image cannot be read or decoded; the message names the list file and line.</exception>
        public void ReadPixels(int index, Span<byte> destination, ulong? augmentationSeed)
        {
            var transform = Pick(index, augmentationSeed);
            if (destination.Length != transform.OutputLength)
                throw new ArgumentException($"Expected {transform.OutputLength} bytes, got {destination.Length}.", nameof(destination));
            using var image = Decode(index);
            transform.ApplyPixels(image, augmentationSeed ?? 0, destination);
        }

        /// <summary>The transforms' normalisation as pixel factors, the very float32 factors <see cref="ImageTransform"/> uses:
        /// <c>1 / (255 std)</c> and <c>-mean / std</c>.</summary>
        private static PixelNormalization PixelsOf(ImageNormalization n)
        {
            var scale = new float[3];
            var shift = new float[3];
            for (var c = 0; c < 3; c++)
            {
                scale[c] = ImageTransform.PixelScale(n, c);
                shift[c] = ImageTransform.PixelShift(n, c);
            }
            return new PixelNormalization(scale, shift);
        }

        private ImageTransform Pick(int index, ulong? augmentationSeed)
        {
            if ((uint)index >= (uint)_labels.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"The split has {_labels.Length} images.");
            return augmentationSeed is not null && Train is not null ? Train : Eval;
        }

        private RgbaImage Decode(int index)
        {
            try
            {
                return ImageDecoder.Decode(Dataset.ImagePath(index));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                var entry = Dataset.Entries[index];
                throw new ImageListException(Dataset.ListPath, entry.LineNumber, $"the image '{entry.RelativePath}' cannot be loaded: {e.Message}", e);
            }
        }
    }
}
