using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Silo.Logging;

/// <summary>
/// Refuses a <c>Logging:Console:FormatterName</c> that names no registered console formatter. The console
/// logger would fall back to plain text without a word, so production would ship unstructured logs after a typo.
/// </summary>
internal sealed class ConsoleFormatterValidator(IEnumerable<ConsoleFormatter> formatters) : IValidateOptions<ConsoleLoggerOptions>
{
    public const string Key = "Logging:Console:FormatterName";

    public ValidateOptionsResult Validate(string? name, ConsoleLoggerOptions options)
    {
        var known = formatters.Select(static formatter => formatter.Name).Order(StringComparer.Ordinal).ToList();
        // The console logger looks formatters up ignoring case, and with no name uses its default (simple).
        return options.FormatterName is not { } formatter || known.Contains(formatter, StringComparer.OrdinalIgnoreCase)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{Key} '{formatter}' is not a console formatter: use {string.Join(", ", known.SkipLast(1))} or {known[^1]}.");
    }
}
