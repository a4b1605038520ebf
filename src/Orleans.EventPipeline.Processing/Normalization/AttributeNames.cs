namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>Attribute names the parsers give to format fields (docs/EVENT-SCHEMA.md).</summary>
public static class AttributeNames
{
    public const string SyslogFacility = "syslog.facility";
    public const string SyslogProcessId = "syslog.procid";
    public const string SyslogMessageId = "syslog.msgid";

    /// <summary>Prefix of RFC 5424 structured data: <c>sd.{SD-ID}.{PARAM-NAME}</c>.</summary>
    public const string StructuredDataPrefix = "sd.";

    public const string CefVersion = "cef.version";
    public const string CefDeviceVendor = "cef.device_vendor";
    public const string CefDeviceProduct = "cef.device_product";
    public const string CefDeviceVersion = "cef.device_version";
    public const string CefSignatureId = "cef.signature_id";
    public const string CefSeverity = "cef.severity";
}
