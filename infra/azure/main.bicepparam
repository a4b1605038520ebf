// Example parameters: 4 partitions and 2 throughput units carry about 2,000 events/s of 500 bytes
// sustained with room to inflate to 10 (docs/DEPLOY.md, sizing).
using 'main.bicep'

param prefix = 'evpipe'
param partitionCount = 4
param throughputUnits = 2
param maximumThroughputUnits = 10
param nodeCount = 3
