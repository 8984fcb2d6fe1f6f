/** The deterministic simulation: many sync engines on memory adapters, a virtual clock, faults on demand. */
export { createCluster, Cluster, syncSha256, type ClusterOptions, type SettleOptions } from './cluster.ts';
export type { TrafficStats } from './network.ts';
