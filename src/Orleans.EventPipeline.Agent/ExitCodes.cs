namespace Orleans.EventPipeline.Agent;

/// <summary>The agent's exit codes, after sysexits(3), as the silo's 78 for configuration.</summary>
internal static class ExitCodes
{
    /// <summary>Stopped by SIGTERM or Ctrl+C, or every source ended (stdin at its end), with the spool flushed.</summary>
    public const int Ok = 0;

    /// <summary>Failed while running; unacknowledged batches stay spooled for the next start.</summary>
    public const int Failure = 1;

    /// <summary>EX_USAGE: the command line does not parse (unknown flag, missing value).</summary>
    public const int Usage = 64;

    /// <summary>EX_CANTCREAT: the spool directory is in use by another agent, or cannot be created.</summary>
    public const int SpoolUnavailable = 73;

    /// <summary>EX_CONFIG: the configuration file or a setting is invalid; the message names it.</summary>
    public const int Configuration = 78;
}
