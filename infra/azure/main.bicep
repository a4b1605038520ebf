// The pipeline's Azure resources, in one resource group, with no secret anywhere: Event Hubs and Storage
// refuse keys (local auth off), and the silos sign in as a user-assigned managed identity through AKS
// workload identity. The silos themselves are deployed with infra/k8s/overlays/aks; this file's outputs
// fill that overlay's azure.env (docs/DEPLOY.md, "Azure").
//
// AKS rather than Container Apps: Orleans silos call each other directly on their pod IPs (silo port
// 11111), which a Kubernetes pod learns from the downward API (Pipeline__AdvertisedAddress), and the same
// manifests, probes and Orleans Kubernetes hosting then serve both Kubernetes and Azure.

targetScope = 'resourceGroup'

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Short name the resource names start with; a hash of the resource group keeps global names unique.')
@minLength(3)
@maxLength(11)
param prefix string = 'evpipe'

@description('Event Hubs partitions of the hub: at most the processors that read in parallel; fixed once created on the Standard tier (docs/DEPLOY.md, sizing).')
@minValue(1)
@maxValue(32)
param partitionCount int = 4

@description('Event Hubs throughput units (1 TU: 1 MB/s or 1,000 events/s in, 2 MB/s out).')
@minValue(1)
@maxValue(40)
param throughputUnits int = 2

@description('Throughput units auto-inflate may raise the namespace to under load.')
@minValue(1)
@maxValue(40)
param maximumThroughputUnits int = 10

@description('AKS nodes: the gateways and processors share them.')
@minValue(1)
@maxValue(100)
param nodeCount int = 3

@description('AKS node size.')
param nodeVmSize string = 'Standard_D4s_v5'

@description('Whether a deleted archive object or container stays recoverable (blob and container soft delete). A tenant deleted with data=remove stays recoverable that long too: turn it off where erasure must be at once.')
param archiveSoftDelete bool = true

@description('Days a deleted archive object or container stays recoverable, with archiveSoftDelete.')
@minValue(1)
@maxValue(365)
param archiveSoftDeleteDays int = 7

@description('Kubernetes namespace and service account of the silos (infra/k8s).')
param kubernetesNamespace string = 'eventpipeline'
param kubernetesServiceAccount string = 'eventpipeline'

var suffix = uniqueString(resourceGroup().id)
var hubName = 'events'
var consumerGroupName = 'eventpipeline'
var archiveContainerName = 'archive'
// The tables Orleans uses by default: membership, grain state (tenants and stream pub-sub), stream checkpoints.
var tableNames = [
  'OrleansSiloInstances'
  'OrleansGrainState'
  'Checkpoint'
]

// Built-in role definitions (their ids are the same in every tenant).
var roles = {
  eventHubsDataSender: '2b629674-e913-4c01-ae53-ef4638d8f975'
  eventHubsDataReceiver: 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${prefix}-${suffix}'
  location: location
}

resource eventHubs 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: 'evhns-${prefix}-${suffix}'
  location: location
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: throughputUnits
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    isAutoInflateEnabled: true
    maximumThroughputUnits: maximumThroughputUnits
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: eventHubs
  name: hubName
  properties: {
    partitionCount: partitionCount
    // Standard's longest: how long processors may be away before unread events are gone.
    messageRetentionInDays: 7
  }
}

resource consumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = {
  parent: hub
  name: consumerGroupName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take('st${prefix}${suffix}', 24)
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_ZRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

// The archive is the system of record for "archived exactly once": a deleted object or container (a mistaken
// delete, a script) is recoverable for archiveSoftDeleteDays (with archiveSoftDelete). The pipeline's own deletes (superseded objects, expired
// keyed-index objects, dead letters replayed) are kept as long, at their size.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: archiveSoftDelete
      days: archiveSoftDelete ? archiveSoftDeleteDays : null
    }
    containerDeleteRetentionPolicy: {
      enabled: archiveSoftDelete
      days: archiveSoftDelete ? archiveSoftDeleteDays : null
    }
  }
}

resource archiveContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: archiveContainerName
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for table in tableNames: {
    parent: tableService
    name: table
  }
]

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'cr${prefix}${suffix}'
  location: location
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
  }
}

resource aks 'Microsoft.ContainerService/managedClusters@2024-09-01' = {
  name: 'aks-${prefix}-${suffix}'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    dnsPrefix: 'aks-${prefix}-${suffix}'
    agentPoolProfiles: [
      {
        name: 'system'
        count: nodeCount
        vmSize: nodeVmSize
        osType: 'Linux'
        mode: 'System'
      }
    ]
    // Azure CNI overlay with Cilium as the network policy engine: infra/k8s/base/silo-networkpolicy.yaml keeps the
    // silos' Orleans ports (grain calls without a key) to the silos themselves, and is enforced only with an engine.
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkDataplane: 'cilium'
      networkPolicy: 'cilium'
    }
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      workloadIdentity: {
        enabled: true
      }
    }
    // The application routing add-on: the ingress class of infra/k8s/overlays/aks.
    ingressProfile: {
      webAppRouting: {
        enabled: true
      }
    }
  }
}

// The silos' service account signs in as the identity (workload identity federation).
resource federation 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: identity
  name: 'aks-${kubernetesNamespace}-${kubernetesServiceAccount}'
  properties: {
    issuer: aks.properties.oidcIssuerProfile.issuerURL
    subject: 'system:serviceaccount:${kubernetesNamespace}:${kubernetesServiceAccount}'
    audiences: [
      'api://AzureADTokenExchange'
    ]
  }
}

// Gateways send, processors receive: one identity for both, scoped to the one hub.
resource hubSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: hub
  name: guid(hub.id, identity.id, roles.eventHubsDataSender)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataSender)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource hubReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: hub
  name: guid(hub.id, identity.id, roles.eventHubsDataReceiver)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataReceiver)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The archive's blobs.
resource blobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, roles.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Membership, grain state and checkpoints.
resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The nodes pull the image from the registry.
resource kubeletPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: registry
  name: guid(registry.id, aks.id, roles.acrPull)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: aks.properties.identityProfile.kubeletidentity.objectId
    principalType: 'ServicePrincipal'
  }
}

@description('Pipeline__Azure__EventHubsNamespace: the namespace host (its endpoint is https://<host>:443/).')
output eventHubsNamespace string = replace(replace(eventHubs.properties.serviceBusEndpoint, 'https://', ''), ':443/', '')

@description('Pipeline__Azure__TableServiceUri.')
output tableServiceUri string = storage.properties.primaryEndpoints.table

@description('Pipeline__Archive__BlobServiceUri.')
output blobServiceUri string = storage.properties.primaryEndpoints.blob

@description('Pipeline__ConsumerGroup.')
output consumerGroup string = consumerGroup.name

@description('AZURE_CLIENT_ID: the identity the silos sign in as.')
output identityClientId string = identity.properties.clientId

@description('Where to push the image.')
output registryLoginServer string = registry.properties.loginServer

@description('The AKS cluster, for az aks get-credentials.')
output aksName string = aks.name
