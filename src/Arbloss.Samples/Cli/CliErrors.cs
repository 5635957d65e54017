using System;
using System.IO;
using System.Threading;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;

namespace Arbloss.Samples.Cli
{
    /// <summary>Runs a command body and turns expected failures into one line on standard error and an exit code.</summary>
    public static class CliErrors
    {
        /// <summary>Exit code of a failed command.</summary>
        public const int Failure = 1;

        /// <summary>Exit code of a command stopped by Ctrl+C.</summary>
        public const int Interrupted = 130;

        /// <summary>Runs <paramref name="body"/>, printing <c>error: reason</c> on failure.</summary>
        /// <param name="body">The command.</param>
        /// <param name="error">Where to write the reason (standard error).</param>
        /// <returns>The body's exit code, <see cref="Failure"/> or <see cref="Interrupted"/>.</returns>
        public static int Run(Func<int> body, TextWriter error)
        {
            ArgumentNullException.ThrowIfNull(body);
            ArgumentNullException.ThrowIfNull(error);
            try
            {
                return body();
            }
            catch (OperationCanceledException)
            {
                error.WriteLine("interrupted: the last finished epoch's checkpoint is kept; resume with --set resume=<output folder>.");
                return Interrupted;
            }
            catch (Exception e) when (e is ConfigException or DatasetUnavailableException or DownloadException or InvalidDataException
                or FileNotFoundException or DirectoryNotFoundException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine("error: " + OneLine(e.Message));
                return Failure;
            }
            catch (System.Runtime.InteropServices.ExternalException e)
            {
                // TorchSharp's native errors (e.g. out of memory on the device).
                error.WriteLine("error: the tensor library failed: " + OneLine(e.Message));
                return Failure;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                error.WriteLine($"error: unexpected {e.GetType().Name}: {OneLine(e.Message)} (set ARBLOSS_STACK_TRACE=1 to see where)");
                if (Environment.GetEnvironmentVariable("ARBLOSS_STACK_TRACE") == "1") error.WriteLine(e);
                return Failure;
            }
        }

        /// <summary>Collapses a message to one line.</summary>
        /// <param name="message">Any text.</param>
        /// <returns>The text with line breaks replaced by spaces.</returns>
        public static string OneLine(string message) => (message ?? "").ReplaceLineEndings(" ").Trim();

        /// <summary>Cancels <paramref name="source"/> on the first Ctrl+C (the run stops after saving), and lets the
        /// second end the process.</summary>
        /// <param name="source">The run's cancellation source.</param>
        /// <param name="error">Where to say what happens.</param>
        /// <returns>Unhooks the handler when disposed.</returns>
        public static IDisposable OnCtrlC(CancellationTokenSource source, TextWriter error)
        {
            ArgumentNullException.ThrowIfNull(source);
            ConsoleCancelEventHandler handler = (_, e) =>
            {
                if (source.IsCancellationRequested) return; // second press: let the process end
                e.Cancel = true;
                error.WriteLine("Stopping: the epoch in progress is abandoned; the last checkpoint is kept (Ctrl+C again to quit at once).");
                source.Cancel();
            };
            Console.CancelKeyPress += handler;
            return new Unhook(() => Console.CancelKeyPress -= handler);
        }

        private sealed class Unhook : IDisposable
        {
            private Action? _action;

            public Unhook(Action action) => _action = action;

            public void Dispose()
            {
                _action?.Invoke();
                _action = null;
            }
        }
    }
}
