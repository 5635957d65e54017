using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Linq;
using Arbloss.Samples.Configuration;

namespace Arbloss.Samples.Cli
{
    /// <summary>Turns the parser's errors into the one line the app prints: a misspelt command or option is named with a
    /// "did you mean", the parser's own wording is kept for the rest, and the line ends with where help is.</summary>
    internal static class ParseErrors
    {
        /// <summary>The error line (without the <c>error: </c> prefix) for a parse with errors.</summary>
        public static string Describe(ParseResult parse)
        {
            var command = parse.CommandResult.Command;
            var unknown = parse.UnmatchedTokens.Select(token => Unmatched(token, command)).ToList();
            // The app's own checks of tokens (a misspelt option swallowed by train's trailing pairs) come first too.
            unknown.AddRange(parse.Errors.Select(e => e.Message).Where(m => m.StartsWith("unknown ", StringComparison.Ordinal)));
            var shown = unknown.Count > 0
                ? unknown
                : parse.Errors.Select(e => e.Message).Where(m => !m.StartsWith("Unrecognized command or argument", StringComparison.Ordinal)).ToList();
            if (shown.Count == 0) shown = parse.Errors.Select(e => e.Message).ToList();
            var help = command is RootCommand ? "run with --help for usage" : $"run '{command.Name} --help' for usage";
            return string.Join("; ", shown.Distinct().Select(m => m.Trim().TrimEnd('.'))) + $" ({help})";
        }

        /// <summary>"unknown option '--confg'. Did you mean '--config'?" for an option of <paramref name="command"/>, or
        /// of one of its subcommands (then named with it: 'train --config').</summary>
        public static string UnknownOption(string token, Command command)
        {
            var own = Suggestions.Closest(token, OptionNames(command));
            if (own is not null) return $"unknown option '{token}'. Did you mean '{own}'?";
            foreach (var sub in command.Subcommands)
                if (Suggestions.Closest(token, OptionNames(sub).Where(n => n.StartsWith("--", StringComparison.Ordinal))) is string inSub)
                    return $"unknown option '{token}'. Did you mean '{sub.Name} {inSub}'?";
            return $"unknown option '{token}'.";
        }

        private static string Unmatched(string token, Command command)
        {
            if (token.StartsWith('-')) return UnknownOption(token, command);
            if (command.Subcommands.Count > 0)
                return $"unknown command '{token}'.{Suggestions.DidYouMean(token, command.Subcommands.Select(c => c.Name))} The commands are {string.Join(", ", command.Subcommands.Select(c => c.Name))}";
            return $"unexpected argument '{token}'.";
        }

        private static IEnumerable<string> OptionNames(Command command)
        {
            foreach (var option in command.Options)
            {
                yield return option.Name;
                foreach (var alias in option.Aliases) yield return alias;
            }
            for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
                foreach (var option in parent.Options.Where(o => o.Recursive))
                {
                    yield return option.Name;
                    foreach (var alias in option.Aliases) yield return alias;
                }
        }
    }
}
