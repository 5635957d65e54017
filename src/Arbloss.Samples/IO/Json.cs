using System;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbloss.Samples.IO
{
    /// <summary>The JSON settings of the app's files: snake_case names, indented, NaN and infinities as strings, and
    /// numbers rounded to what they mean: at most <see cref="SignificantDigits"/> significant digits, so that
    /// 100 * 0.8385 is written 83.85, not 83.85000000000001.</summary>
    public static class Json
    {
        /// <summary>Significant digits of a number in the files people read (results, evaluation, comparison, logs):
        /// more than any measured value here carries, fewer than binary round-off shows.</summary>
        public const int SignificantDigits = 10;

        /// <summary>Shared serializer options: numbers rounded to <see cref="SignificantDigits"/> significant digits.</summary>
        public static JsonSerializerOptions Options { get; } = Create(new RoundedDoubleConverter());

        /// <summary>Options that keep every bit of a number (the metadata inside a checkpoint, which a resumed run
        /// compares against).</summary>
        public static JsonSerializerOptions ExactOptions { get; } = Create(null);

        private static JsonSerializerOptions Create(JsonConverter? doubles)
        {
            var options = new JsonSerializerOptions
            {
                PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                WriteIndented = true,
                NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
                DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            };
            if (doubles is not null) options.Converters.Add(doubles);
            return options;
        }

        /// <summary>Serializes a value with numbers rounded (see <see cref="Options"/>).</summary>
        /// <typeparam name="T">The value's type.</typeparam>
        /// <param name="value">The value.</param>
        /// <returns>Indented JSON text.</returns>
        public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

        /// <summary>Serializes a value keeping every number exactly (see <see cref="ExactOptions"/>).</summary>
        /// <typeparam name="T">The value's type.</typeparam>
        /// <param name="value">The value.</param>
        /// <returns>Indented JSON text.</returns>
        public static string SerializeExact<T>(T value) => JsonSerializer.Serialize(value, ExactOptions);

        /// <summary>Deserializes a value.</summary>
        /// <typeparam name="T">The value's type.</typeparam>
        /// <param name="json">JSON text.</param>
        /// <returns>The value.</returns>
        /// <exception cref="JsonException">The text is not valid JSON for <typeparamref name="T"/>.</exception>
        public static T Deserialize<T>(string json) =>
            JsonSerializer.Deserialize<T>(json, ExactOptions) ?? throw new JsonException("The JSON document is empty (null).");

        /// <summary>Rounds <paramref name="value"/> to <see cref="SignificantDigits"/> significant digits (NaN and
        /// infinities unchanged).</summary>
        /// <param name="value">A number.</param>
        /// <returns>The number as the files write it.</returns>
        public static double Round(double value) =>
            double.IsFinite(value) ? double.Parse(value.ToString("G" + SignificantDigits, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : value;

        /// <summary>Writes doubles rounded (<see cref="Round"/>), NaN and infinities as strings; reads both forms.</summary>
        private sealed class RoundedDoubleConverter : JsonConverter<double>
        {
            public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            {
                if (reader.TokenType == JsonTokenType.String)
                {
                    var text = reader.GetString();
                    return text switch
                    {
                        "NaN" => double.NaN,
                        "Infinity" => double.PositiveInfinity,
                        "-Infinity" => double.NegativeInfinity,
                        _ => throw new JsonException($"'{text}' is not a number."),
                    };
                }
                return reader.GetDouble();
            }

            public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
            {
                if (double.IsNaN(value)) writer.WriteStringValue("NaN");
                else if (double.IsPositiveInfinity(value)) writer.WriteStringValue("Infinity");
                else if (double.IsNegativeInfinity(value)) writer.WriteStringValue("-Infinity");
                else writer.WriteNumberValue(Round(value));
            }
        }
    }
}
