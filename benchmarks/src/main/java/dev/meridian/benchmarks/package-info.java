/**
 * JMH benchmarks for Meridian's CRDT core: local document mutations against a plain {@code HashMap}
 * baseline, full-state joins and keyed-delta application, and the wire codec with a size report.
 * Build with {@code mvn -o -q -pl benchmarks -am package -DskipTests} and run a class with {@code
 * java -jar benchmarks/target/benchmarks.jar <Class>}; each class's javadoc gives its exact command.
 */
package dev.meridian.benchmarks;
