package dev.meridian.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module layering of DESIGN.md and STYLE.md, on the main classes of every module: crdt-core
 * depends on nothing of ours; persistence and transport depend on crdt-core and never on each
 * other; only peer joins them (and what sits above peer: the peer testkit, the benchmarks);
 * testkit depends on crdt-core alone; the peer testkit embeds peers and no main code of ours
 * depends on it. This module's tests see every module's classes, so the rules live here (the
 * nemesis module, built after this one, is outside them).
 */
class LayeringTest {
  private static final String CORE = "dev.meridian.crdt..";
  private static final String TESTKIT = "dev.meridian.testkit..";
  private static final String TESTDATA = "dev.meridian.testdata..";
  private static final String PERSISTENCE = "dev.meridian.persistence..";
  private static final String TRANSPORT = "dev.meridian.transport..";
  /** peer's packages, and with them the peer testkit's ({@link #PEER_TESTKIT}). */
  private static final String PEER = "dev.meridian.peer..";
  private static final String PEER_TESTKIT = "dev.meridian.peer.testkit..";
  private static final String BENCHMARKS = "dev.meridian.benchmarks..";
  private static final String DEMO = "dev.meridian.demo..";

  /** The peer module itself: {@link #PEER} without the peer testkit. */
  private static final DescribedPredicate<JavaClass> PEER_MODULE =
      resideInAPackage(PEER).and(not(resideInAPackage(PEER_TESTKIT))).as("peer");

  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(LayeringTest::notATestJar)
        .importPackages("dev.meridian");
  }

  /** Test jars (another module's test classes, as a dependency) are tests too. */
  private static boolean notATestJar(Location location) {
    return !location.contains("-tests.jar");
  }

  @Test
  void everyModule_isImported() {
    // Rules over an empty import would pass whatever the code does.
    for (String pkg : new String[] {"dev.meridian.crdt", "dev.meridian.testkit",
        "dev.meridian.persistence", "dev.meridian.transport", "dev.meridian.peer",
        "dev.meridian.peer.testkit"}) {
      assertTrue(classes.containPackage(pkg), () -> pkg + " was not imported");
    }
  }

  @Test
  void crdtCore_dependsOnNothingOfOurs() {
    check(noClasses().that().resideInAPackage(CORE)
        .should().dependOnClassesThat().resideInAnyPackage(
            TESTKIT, TESTDATA, PERSISTENCE, TRANSPORT, PEER, BENCHMARKS, DEMO)
        .because("crdt-core is the bottom layer"));
  }

  @Test
  void crdtCore_usesOnlyTheJdkGuavaAndProtobuf() {
    check(classes().that().resideInAPackage(CORE)
        .should().onlyDependOnClassesThat().resideInAnyPackage(
            CORE, "java..", "com.google.common..", "com.google.protobuf..",
            "com.google.errorprone.annotations..", "javax.annotation..")
        .because("crdt-core needs only Guava and protobuf"));
  }

  @Test
  void crdtCoreProtobufMessages_stayInsideCrdtCore() {
    // module-info keeps them from module-path users; this holds our own modules (class path) to it.
    check(noClasses().that().resideOutsideOfPackage(CORE)
        .should().dependOnClassesThat().resideInAPackage("dev.meridian.crdt.codec.proto..")
        .because("the codec's protobuf messages are crdt-core's wire format, not its API"));
  }

  @Test
  void persistence_neverDependsOnTransport() {
    check(noClasses().that().resideInAPackage(PERSISTENCE)
        .should().dependOnClassesThat().resideInAnyPackage(TRANSPORT, PEER, TESTKIT)
        .because("storage knows nothing of the network; only peer joins the two"));
  }

  @Test
  void transport_neverDependsOnPersistence() {
    check(noClasses().that().resideInAPackage(TRANSPORT)
        .should().dependOnClassesThat().resideInAnyPackage(PERSISTENCE, PEER, TESTKIT)
        .because("replication knows nothing of disks; only peer joins the two"));
  }

  @Test
  void testkit_dependsOnCrdtCoreAlone() {
    check(noClasses().that().resideInAPackage(TESTKIT)
        .should().dependOnClassesThat().resideInAnyPackage(
            PERSISTENCE, TRANSPORT, PEER, BENCHMARKS, DEMO, TESTDATA)
        .because("the testkit checks any type built on crdt-core, and nothing else"));
  }

  @Test
  void peerTestkit_dependsOnPeerAndWhatPeerUses() {
    check(noClasses().that().resideInAPackage(PEER_TESTKIT)
        .should().dependOnClassesThat().resideInAnyPackage(BENCHMARKS, DEMO, TESTDATA)
        .because("the peer testkit runs real peers (peer, persistence, transport, crdt-core)"
            + " and the testkit's jqwik glue, and nothing built above them"));
  }

  @Test
  void noMainCode_dependsOnPeerTestkit() {
    check(noClasses().that().resideOutsideOfPackage(PEER_TESTKIT)
        .should().dependOnClassesThat().resideInAPackage(PEER_TESTKIT)
        .because("the peer testkit is for applications' tests, not a part of any module"));
  }

  @Test
  void layers_pointTowardsCrdtCore() {
    check(layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("core").definedBy(CORE)
        .layer("testkit").definedBy(TESTKIT)
        .layer("persistence").definedBy(PERSISTENCE)
        .layer("transport").definedBy(TRANSPORT)
        .layer("peer").definedBy(PEER_MODULE)
        .layer("peer-testkit").definedBy(PEER_TESTKIT)
        .layer("benchmarks").definedBy(BENCHMARKS, DEMO)
        .whereLayer("peer-testkit").mayNotBeAccessedByAnyLayer()
        .whereLayer("peer").mayOnlyBeAccessedByLayers("peer-testkit", "benchmarks")
        .whereLayer("persistence").mayOnlyBeAccessedByLayers("peer", "peer-testkit", "benchmarks")
        .whereLayer("transport").mayOnlyBeAccessedByLayers("peer", "peer-testkit", "benchmarks")
        .whereLayer("testkit").mayOnlyBeAccessedByLayers("peer-testkit", "benchmarks"));
  }

  private static void check(ArchRule rule) {
    rule.check(classes);
  }
}
