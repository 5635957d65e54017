using System;
using System.IO;
using System.Threading;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;
using Arbloss.Samples.Training;

namespace Arbloss.Samples.Cli
{
    /// <summary>
    /// Runs a command body and turns expected failures into one line on standard error and an exit code. One rule for
    /// every command: <see cref="Usage"/> (2) when the mistake is in what was typed (an unknown command, option or key,
    /// a value of the wrong type or out of range in an option, <c>--set</c> or a trailing pair, options that contradict
    /// each other); <see cref="Failure"/> (1) when the command line is well-formed but what it names on disk or on the
    /// machine is missing or does not fit (a config file's content, a file, folder, dataset, checkpoint or device), an
    /// output folder already holds a run, or the run fails; <see cref="Interrupted"/> (130) when stopped with Ctrl+C.
    /// </summary>
    public static class CliErrors
    {
        /// <summary>Exit code of a failed command.</summary>
        public const int Failure = 1;

        /// <summary>Exit code of a command-line mistake.</summary>
        public const int Usage = 2;

        /// <summary>Exit code of a command stopped by Ctrl+C.</summary>
        public const int Interrupted = 130;

        /// <summary>Runs <paramref name="body"/>, printing <c>error: reason</c> (or <c>interrupted: what was kept</c>) on failure.</summary>
        /// <param name="body">The command.</param>
        /// <param name="error">Where to write the reason (standard error).</param>
        /// <returns>The body's exit code, <see cref="Failure"/>, <see cref="Usage"/> or <see cref="Interrupted"/>.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public static int Run(Func<int> body, TextWriter error)
        {
            ArgumentNullException.ThrowIfNull(body);
            ArgumentNullException.ThrowIfNull(error);
            try
            {
                return body();
            }
            catch (RunInterruptedException e)
            {
                error.WriteLine("interrupted: " + OneLine(e.Message));
                return Interrupted;
            }
            catch (OperationCanceledException)
            {
                error.WriteLine("interrupted.");
                return Interrupted;
            }
            catch (Exception e) when (e is CommandLineException || e is ConfigException { FromCommandLine: true })
            {
                error.WriteLine("error: " + MessageOf(e));
                return Usage;
            }
            catch (Exception e) when (e is ConfigException or DatasetUnavailableException or DownloadException or InvalidDataException
                or FileNotFoundException or DirectoryNotFoundException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine("error: " + MessageOf(e));
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

        /// <summary>The message of an exception as the user should read it: one line, without .NET's
        /// <c>(Parameter 'name')</c> and <c>Actual value was ...</c> suffixes.</summary>
        /// <param name="e">The exception.</param>
        /// <returns>The text.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="e"/> is null.</exception>
        public static string MessageOf(Exception e)
        {
            ArgumentNullException.ThrowIfNull(e);
            var message = e.Message;
            if (e is ArgumentException { ParamName: { } name })
            {
                var suffix = $" (Parameter '{name}')";
                int at = message.IndexOf(suffix, StringComparison.Ordinal);
                if (at >= 0) message = message[..at];
            }
            return OneLine(message);
        }

        /// <summary>Collapses a message to one line.</summary>
        /// <param name="message">Any text.</param>
        /// <returns>The text with line breaks replaced by spaces.</returns>
        public static string OneLine(string message) => (message ?? "").ReplaceLineEndings(" ").Trim();

        /// <summary>Cancels <paramref name="source"/> on the first Ctrl+C (the run stops after the batch in progress), and
        /// lets the second end the process.</summary>
        /// <param name="source">The run's cancellation source.</param>
        /// <param name="error">Where to say what happens.</param>
        /// <returns>Unhooks the handler when disposed.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
        public static IDisposable OnCtrlC(CancellationTokenSource source, TextWriter error)
        {
            ArgumentNullException.ThrowIfNull(source);
            ConsoleCancelEventHandler handler = (_, e) =>
            {
                if (source.IsCancellationRequested) return; // second press: let the process end
                e.Cancel = true;
                error.WriteLine("Stopping: the epoch in progress is abandoned; finished epochs stay saved (Ctrl+C again to quit at once).");
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
