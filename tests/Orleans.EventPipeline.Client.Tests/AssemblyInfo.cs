// Each test class starts real silo processes (and the agent tests agent processes); on a shared 2-core machine they
// run one after another, so none starves another's silo into timeouts.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
