/**
 * End-to-end replication benchmarks: three replicas on loopback over gRPC with mutual TLS
 * (throughput, convergence latency, bytes on the wire, catch-up, idle sync rounds). Not JMH: each
 * measures a running cluster with HdrHistogram and byte counters.
 */
package dev.meridian.benchmarks.replication;
