using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// <c>--help</c>: every setting of the silo with its default, read from the options classes themselves (so the list
/// stays true when a default changes), instead of a start on the default ports. Before, <c>--help</c> was taken as a
/// setting of no value and the silo started, taking ports 5080, 11111, 30000, 4317 and 5673 and a data directory.
/// </summary>
internal static class SiloHelp
{
    public static bool Requested(IReadOnlyList<string> args) => args.Any(static a => a is "--help" or "-h" or "-?" or "/?");

    public static string Text()
    {
        var text = new StringBuilder();
        text.AppendLine("Orleans.EventPipeline silo: the gateway, the tenant grains and the processors of the pipeline.")
            .AppendLine()
            .AppendLine("Usage: Orleans.EventPipeline.Silo [--Section:Setting=value ...]")
            .AppendLine("Settings come from appsettings.json beside the program, environment variables (Pipeline__SiloPort=11112)")
            .AppendLine("and the command line (--Pipeline:SiloPort=11112), the last one winning; --Urls sets the HTTP address.")
            .AppendLine("What each does: README.md, section Configuration. Exit codes: 0 stopped, 78 a setting is wrong")
            .AppendLine("or a port is taken, 73 a directory is taken or cannot be used.")
            .AppendLine();
        // Set by the appsettings.json beside the program rather than by an options class: the HTTP address and the log format.
        var appSettings = new ConfigurationBuilder().SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true).Build();
        text.AppendLine("[appsettings.json]");
        foreach (var name in (string[])["Urls", "Logging:Console:FormatterName"])
        {
            text.Append("  --").Append(name).Append('=').AppendLine(Show(appSettings[name]));
        }

        text.AppendLine();
        foreach (var (path, options) in PipelineOptionsRegistration.Sections)
        {
            text.Append('[').Append(path).AppendLine("]");
            List(text, path, Activator.CreateInstance(options)!, skip: OtherSections(path));
            text.AppendLine();
        }

        return text.ToString();
    }

    /// <summary>The names right under <paramref name="path"/> that are sections of their own, listed under their own heading.</summary>
    private static HashSet<string> OtherSections(string path) =>
        PipelineOptionsRegistration.Sections
            .Select(static s => s.Path)
            .Where(other => other.StartsWith(path + ":", StringComparison.Ordinal) && other.IndexOf(':', path.Length + 1) < 0)
            .Select(other => other[(path.Length + 1)..])
            .ToHashSet(StringComparer.Ordinal);

    private static void List(StringBuilder text, string path, object options, HashSet<string> skip)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(static p => p.CanWrite && p.GetIndexParameters().Length == 0).OrderBy(static p => p.Name, StringComparer.Ordinal))
        {
            if (skip.Contains(property.Name))
            {
                continue;
            }

            var value = property.GetValue(options);
            var name = path + ":" + property.Name;
            if (value is not null && IsSection(property.PropertyType))
            {
                List(text, name, value, skip: new HashSet<string>());
                continue;
            }

            text.Append("  --").Append(name).Append('=').AppendLine(Show(value));
            if (value is Enum)
            {
                text.Append("      one of ").AppendLine(string.Join(", ", Enum.GetNames(value.GetType()).Select(Lower)));
            }
        }
    }

    // As the docs write the names; the binder takes them in any case.
    private static string Lower(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private static bool IsSection(Type type) =>
        type.IsClass && type != typeof(string) && type != typeof(Uri) && !typeof(IEnumerable).IsAssignableFrom(type);

    private static string Show(object? value) => value switch
    {
        null => "(none)",
        string { Length: 0 } => "(empty)",
        string s => s,
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IEnumerable list => list.Cast<object?>().Any() ? string.Join(",", list.Cast<object?>().Select(Show)) + " (a list: :0, :1, ...)" : "(empty list: :0, :1, ...)",
        Enum e => Lower(e.ToString()),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
