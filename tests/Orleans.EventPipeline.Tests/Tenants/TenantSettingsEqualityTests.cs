using System.Reflection;
using System.Text.Json;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Tests.Tenants;

/// <summary>
/// Tenant settings compare by content: a copy read back from storage equals the original, and a change
/// to any one property, however deep, makes them differ (the tenant grain bumps the profile version,
/// which rebuilds every processor's stages, only when settings differ).
/// </summary>
public sealed class TenantSettingsEqualityTests
{
    public static TheoryData<Type> SettingsTypes =>
    [
        typeof(TenantSettings), typeof(TenantLimits), typeof(ProcessingSettings), typeof(NormalizationSettings), typeof(JsonFieldMapping),
        typeof(SourceSettings), typeof(EnrichmentSettings), typeof(LookupTableSettings), typeof(GeoIpSettings), typeof(OrderingSettings),
    ];

    [Theory]
    [MemberData(nameof(SettingsTypes))]
    public void Equals_CopyWithNewCollections_EqualWithTheSameHash(Type type)
    {
        var original = Sample(type);
        var copy = JsonSerializer.Deserialize(JsonSerializer.Serialize(original, type), type)!;

        Assert.NotSame(original, copy);
        Assert.Equal(original, copy);
        Assert.Equal(original.GetHashCode(), copy.GetHashCode());
    }

    [Theory]
    [MemberData(nameof(SettingsTypes))]
    public void Equals_AnyOnePropertyChanged_NotEqual(Type type)
    {
        var original = Sample(type);
        var properties = Settable(type).ToList();
        Assert.NotEmpty(properties);

        foreach (var property in properties)
        {
            var changed = Clone(original);
            property.SetValue(changed, Changed(property.PropertyType, property.GetValue(original)));

            Assert.False(original.Equals(changed), $"{type.Name}.{property.Name} changed, yet the settings are equal");
            Assert.False(changed.Equals(original), $"{type.Name}.{property.Name} changed, yet the settings are equal (reversed)");
        }
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(static p => p.SetMethod is not null && p.Name != "EqualityContract");

    /// <summary>A value of <paramref name="type"/> with every collection holding one item and every record property set.</summary>
    private static object Sample(Type type)
    {
        if (type == typeof(string))
        {
            return "sample";
        }

        if (type.IsValueType)
        {
            return Activator.CreateInstance(type)!;
        }

        if (Dictionary(type) is { } valueType)
        {
            var dictionary = (System.Collections.IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType))!;
            dictionary["key"] = Sample(valueType);
            return dictionary;
        }

        if (List(type) is { } itemType)
        {
            var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(itemType))!;
            list.Add(Sample(itemType));
            return list;
        }

        var constructor = type.GetConstructors().OrderBy(static c => c.GetParameters().Length).First();
        var value = constructor.Invoke([.. constructor.GetParameters().Select(static p => Sample(p.ParameterType))]);
        foreach (var property in Settable(type))
        {
            property.SetValue(value, property.GetValue(value) ?? Sample(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType));
        }

        return value;
    }

    private static object Changed(Type type, object? value)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return value switch
        {
            null => Sample(underlying),
            string text => text + "-changed",
            bool flag => !flag,
            int number => number + 1,
            double number => number + 1.5,
            TimeSpan span => span + TimeSpan.FromSeconds(1),
            Enum => Enum.GetValues(underlying).Cast<object>().First(v => !v.Equals(value)),
            _ when Dictionary(type) is { } valueType => WithExtra((System.Collections.IDictionary)Sample(type), (System.Collections.IEnumerable)value),
            _ when List(type) is { } => WithExtra((System.Collections.IList)Sample(type), (System.Collections.IEnumerable)value),
            _ => ChangeFirstProperty(value),
        };
    }

    private static object WithExtra(System.Collections.IDictionary fresh, System.Collections.IEnumerable original)
    {
        var extra = fresh["key"];
        fresh.Clear();
        foreach (dynamic pair in original)
        {
            fresh[pair.Key] = pair.Value;
        }

        fresh["extra"] = extra;
        return fresh;
    }

    private static object WithExtra(System.Collections.IList fresh, System.Collections.IEnumerable original)
    {
        var extra = fresh[0];
        fresh.Clear();
        foreach (var item in original)
        {
            fresh.Add(item);
        }

        fresh.Add(extra);
        return fresh;
    }

    private static object ChangeFirstProperty(object value)
    {
        var copy = Clone(value);
        var property = Settable(value.GetType()).First();
        property.SetValue(copy, Changed(property.PropertyType, property.GetValue(value)));
        return copy;
    }

    /// <summary>A record's own copy (what <c>with</c> calls).</summary>
    private static object Clone(object record) =>
        record.GetType().GetMethod("<Clone>$")!.Invoke(record, null)!;

    private static Type? Dictionary(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>) ? type.GetGenericArguments()[1] : null;

    private static Type? List(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? type.GetGenericArguments()[0] : null;
}
