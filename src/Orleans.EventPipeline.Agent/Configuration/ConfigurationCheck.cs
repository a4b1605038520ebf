using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;

namespace Orleans.EventPipeline.Agent.Configuration;

/// <summary>
/// Checks every key of the combined configuration (file, environment, flags) against <see cref="AgentOptions"/>
/// before it is bound: each unknown key and each value of the wrong kind is a problem naming the key, where it came
/// from and what is expected, so a misspelling is not silently ignored and every problem is reported at once, not
/// the binder's first exception.
/// </summary>
internal static class ConfigurationCheck
{
    /// <summary>The problems; <paramref name="valid"/> gets every key whose value fits, to bind.</summary>
    public static List<string> Check(IConfigurationRoot root, out Dictionary<string, string?> valid)
    {
        var problems = new List<string>();
        valid = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Members(root, root.GetChildren(), typeof(AgentOptions), problems, valid);
        return problems;
    }

    private static void Members(IConfigurationRoot root, IEnumerable<IConfigurationSection> sections, Type type, List<string> problems, Dictionary<string, string?> valid)
    {
        foreach (var section in sections)
        {
            if (type.GetProperty(section.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { CanWrite: true } property)
            {
                Value(root, section, property.PropertyType, problems, valid);
            }
            else
            {
                var known = string.Join(", ", type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(static p => p.CanWrite).Select(static p => p.Name));
                problems.Add($"{section.Path}: unknown setting{Origin(root, section)}; the settings here are {known}.");
            }
        }
    }

    private static void Value(IConfigurationRoot root, IConfigurationSection section, Type type, List<string> problems, Dictionary<string, string?> valid)
    {
        var children = section.GetChildren().ToList();
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            if (children.Count == 0 && !string.IsNullOrEmpty(section.Value))
            {
                problems.Add($"{section.Path}: must be a list (a JSON array){Origin(root, section)}, got '{section.Value}'.");
                return;
            }

            foreach (var item in children)
            {
                if (int.TryParse(item.Key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                {
                    Value(root, item, type.GetGenericArguments()[0], problems, valid);
                }
                else
                {
                    problems.Add($"{item.Path}: {section.Key} is a list, indexed by number{Origin(root, item)}.");
                }
            }

            return;
        }

        var converter = TypeDescriptor.GetConverter(type);
        if (type.IsClass && type != typeof(string) && !converter.CanConvertFrom(typeof(string)))
        {
            if (children.Count == 0 && !string.IsNullOrEmpty(section.Value))
            {
                problems.Add($"{section.Path}: must be an object (in JSON, {{ ... }}){Origin(root, section)}, got '{section.Value}'.");
                return;
            }

            if (children.Count == 0)
            {
                valid[section.Path] = section.Value;
            }

            Members(root, children, type, problems, valid);
            return;
        }

        if (children.Count > 0)
        {
            problems.Add($"{section.Path}: must be {Expected(type)}, not an object or a list{Origin(root, section)}.");
            return;
        }

        if (section.Value is { Length: > 0 } text)
        {
            try
            {
                converter.ConvertFromInvariantString(text);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or InvalidOperationException or OverflowException)
            {
                problems.Add($"{section.Path}: must be {Expected(type)}{Origin(root, section)}, got '{text}'.");
                return;
            }
        }

        valid[section.Path] = section.Value;
    }

    private static string Expected(Type type) => type switch
    {
        _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
        _ when type == typeof(TimeSpan) => "a duration such as 00:00:05 (hh:mm:ss)",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) => $"a whole number up to {int.MaxValue}",
        _ when type == typeof(long) => $"a whole number up to {long.MaxValue}",
        _ when type == typeof(Uri) => "an address such as http://127.0.0.1:5080",
        _ => "a " + type.Name,
    };

    /// <summary>Where the key came from: the file, an environment variable or a flag (the last one that sets it wins).</summary>
    private static string Origin(IConfigurationRoot root, IConfigurationSection section)
    {
        foreach (var provider in root.Providers.Reverse())
        {
            if (provider.TryGet(section.Path, out _) || provider.GetChildKeys([], section.Path).Any())
            {
                return provider switch
                {
                    // The file is added as a configuration of its own (its list lengths are counted before the flags').
                    ChainedConfigurationProvider { Configuration: IConfigurationRoot file } => Origin(file, section),
                    FileConfigurationProvider file => $" (in {file.Source.Path})",
                    EnvironmentVariablesConfigurationProvider => " (from an EVENTPIPELINE_AGENT_ environment variable)",
                    MemoryConfigurationProvider => " (from a command-line flag)",
                    _ => "",
                };
            }
        }

        return "";
    }
}
