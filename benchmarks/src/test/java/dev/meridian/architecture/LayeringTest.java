package dev.meridian.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module layering of DESIGN.md, on the main classes of every module: crdt-core depends on
 * nothing of ours; persistence and transport depend on crdt-core and never on each other; only
 * peer joins them; testkit depends on crdt-core alone. This module's tests see every module's
 * classes, so the rules live here.
 */
class LayeringTest {
  private static final String CORE = "dev.meridian.crdt..";
  private static final String TESTKIT = "dev.meridian.testkit..";
  private static final String TESTDATA = "dev.meridian.testdata..";
  private static final String PERSISTENCE = "dev.meridian.persistence..";
  private static final String TRANSPORT = "dev.meridian.transport..";
  private static final String PEER = "dev.meridian.peer..";
  private static final String BENCHMARKS = "dev.meridian.benchmarks..";
  private static final String DEMO = "dev.meridian.demo..";

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
        "dev.meridian.persistence", "dev.meridian.transport", "dev.meridian.peer"}) {
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
  void layers_pointTowardsCrdtCore() {
    check(layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("core").definedBy(CORE)
        .layer("testkit").definedBy(TESTKIT)
        .layer("persistence").definedBy(PERSISTENCE)
        .layer("transport").definedBy(TRANSPORT)
        .layer("peer").definedBy(PEER)
        .layer("benchmarks").definedBy(BENCHMARKS, DEMO)
        .whereLayer("peer").mayOnlyBeAccessedByLayers("benchmarks")
        .whereLayer("persistence").mayOnlyBeAccessedByLayers("peer", "benchmarks")
        .whereLayer("transport").mayOnlyBeAccessedByLayers("peer", "benchmarks")
        .whereLayer("testkit").mayOnlyBeAccessedByLayers("benchmarks"));
  }

  private static void check(ArchRule rule) {
    rule.check(classes);
  }
}
