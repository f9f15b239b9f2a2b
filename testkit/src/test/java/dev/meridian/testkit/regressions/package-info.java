/**
 * Shrunk counterexamples the testkit's properties found in crdt-core, kept as example tests named
 * after the property that found them, with the plan that replays the original failure.
 */
package dev.meridian.testkit.regressions;
