package dev.meridian.peer.testkit.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import dev.meridian.peer.testkit.ScheduleFailure;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * jqwik finds a schedule that breaks the naive cart and shrinks it: runs {@link NaiveCartSearch}
 * through the JUnit Platform launcher and checks the failure it reports (a {@link
 * ScheduleFailure} of the invariant, on a schedule of a few steps, with jqwik's sample shown).
 */
class NaiveCartShrinkingTest {
  private static final Logger LOG = LoggerFactory.getLogger(NaiveCartShrinkingTest.class);

  @Test
  void jqwik_findsAndShrinksTheNaiveCartsFailure() {
    List<TestExecutionResult> results = new ArrayList<>();
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
        .selectors(selectMethod(NaiveCartSearch.class, "naiveCart_keepsItsInvariant",
            "dev.meridian.peer.testkit.Schedule"))
        .build();
    Launcher launcher = LauncherFactory.create();
    launcher.execute(request, new TestExecutionListener() {
      @Override
      public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (id.isTest()) {
          results.add(result);
        }
      }
    });
    assertEquals(1, results.size(), "the property ran");
    TestExecutionResult r = results.get(0);
    assertEquals(TestExecutionResult.Status.FAILED, r.getStatus(), "the naive cart fails");
    Throwable thrown = r.getThrowable().orElseThrow();
    ScheduleFailure f = assertInstanceOf(ScheduleFailure.class, thrown, String.valueOf(thrown));
    LOG.warn("jqwik's shrunk failure of the naive cart:\n{}", f.getMessage());
    assertEquals("no line shows a negative quantity", f.check());
    assertTrue(f.schedule().operations().size() <= 4,
        "shrunk to a few operations:\n" + f.schedule().trace(f.step()));
  }
}
