namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>Attribute names the parsers give to format fields (docs/EVENT-SCHEMA.md).</summary>
public static class AttributeNames
{
    public const string SyslogFacility = "syslog.facility";
    public const string SyslogProcessId = "syslog.procid";
    public const string SyslogMessageId = "syslog.msgid";

    /// <summary>An RFC 5424 VERSION other than 1, the only one the RFC defines: the line was read as version 1.</summary>
    public const string SyslogVersion = "syslog.version";

    /// <summary>A syslog header's host where a CEF <c>dvchost</c> named the event's host instead.</summary>
    public const string SyslogHost = "syslog.host";

    /// <summary>A syslog header's time (ISO 8601) where a CEF <c>rt</c> or <c>end</c> gave the event's time instead.</summary>
    public const string SyslogTimestamp = "syslog.timestamp";

    /// <summary>The syslog message's text ahead of <c>CEF:</c>, when there is any.</summary>
    public const string SyslogPrefix = "syslog.prefix";

    /// <summary>Prefix of RFC 5424 structured data: <c>sd.{SD-ID}.{PARAM-NAME}</c>.</summary>
    public const string StructuredDataPrefix = "sd.";

    public const string CefVersion = "cef.version";
    public const string CefDeviceVendor = "cef.device_vendor";
    public const string CefDeviceProduct = "cef.device_product";
    public const string CefDeviceVersion = "cef.device_version";
    public const string CefSignatureId = "cef.signature_id";
    public const string CefSeverity = "cef.severity";
}
