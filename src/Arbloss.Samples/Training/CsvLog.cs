using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Arbloss.Samples.IO;
using Arbloss.Samples.Reporting;

namespace Arbloss.Samples.Training
{
    /// <summary>Writes the per-epoch CSV log (rewritten atomically after every epoch, so it is never half a row).</summary>
    public static class CsvLog
    {
        /// <summary>The header row.</summary>
        public const string Header = "epoch,lr,train_loss,train_top1,top1,top5,many,medium,few,ece,seconds,images_per_second";

        /// <summary>Formats the log.</summary>
        /// <param name="records">Epoch rows in order.</param>
        /// <returns>The CSV text (invariant culture; empty cells for empty shot groups).</returns>
        public static string Format(IEnumerable<EpochRecord> records)
        {
            var text = new StringBuilder(Header).Append('\n');
            static string F(double? x, string format = "F4") => x is double v ? v.ToString(format, CultureInfo.InvariantCulture) : "";
            foreach (var r in records)
            {
                text.Append(r.Epoch.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(F(r.Lr, "G6")).Append(',').Append(F(r.TrainLoss)).Append(',').Append(F(r.TrainTop1)).Append(',')
                    .Append(F(r.Top1)).Append(',').Append(F(r.Top5)).Append(',')
                    .Append(F(r.Many)).Append(',').Append(F(r.Medium)).Append(',').Append(F(r.Few)).Append(',')
                    .Append(F(r.Ece)).Append(',').Append(F(r.Seconds, "F2")).Append(',').Append(F(r.ImagesPerSecond, "F1")).Append('\n');
            }
            return text.ToString();
        }

        /// <summary>Writes the log atomically.</summary>
        /// <param name="path">The CSV file.</param>
        /// <param name="records">Epoch rows in order.</param>
        /// <exception cref="System.IO.IOException">The file cannot be written.</exception>
        public static void Write(string path, IEnumerable<EpochRecord> records) => AtomicFile.WriteAllText(path, Format(records));
    }
}
