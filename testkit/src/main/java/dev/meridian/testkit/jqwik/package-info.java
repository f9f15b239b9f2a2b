/**
 * jqwik glue for the testkit: {@link dev.meridian.testkit.jqwik.CrdtArbitraries} (plans, seeds, ops)
 * and the property interfaces {@link dev.meridian.testkit.jqwik.CrdtProperties} and {@link
 * dev.meridian.testkit.jqwik.CodecProperties} that a test class implements with a spec to run every
 * law and the convergence simulation. All logic lives in {@code dev.meridian.testkit}; this package
 * only adapts it to jqwik.
 */
package dev.meridian.testkit.jqwik;
