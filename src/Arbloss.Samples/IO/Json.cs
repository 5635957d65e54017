using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbloss.Samples.IO
{
    /// <summary>The JSON settings of the app's files: snake_case names, indented, NaN and infinities as strings.</summary>
    public static class Json
    {
        /// <summary>Shared serializer options.</summary>
        public static JsonSerializerOptions Options { get; } = new()
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            WriteIndented = true,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };

        /// <summary>Serializes a value.</summary>
        /// <typeparam name="T">The value's type.</typeparam>
        /// <param name="value">The value.</param>
        /// <returns>Indented JSON text.</returns>
        public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

        /// <summary>Deserializes a value.</summary>
        /// <typeparam name="T">The value's type.</typeparam>
        /// <param name="json">JSON text.</param>
        /// <returns>The value.</returns>
        /// <exception cref="JsonException">The text is not valid JSON for <typeparamref name="T"/>.</exception>
        public static T Deserialize<T>(string json) =>
            JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("The JSON document is empty (null).");
    }
}
