package dev.hashfinder.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.lang.reflect.Field;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The module and package boundaries, checked on the library's and the command line's classes
 * (not their tests): the adapter reaches no transport and no metrics library, the cluster never
 * the server, the engine no gRPC, nothing reaches back up a layer, no package cycle, and every
 * class logs under its own name.
 */
class ArchitectureTest {
  private static final JavaClasses CLASSES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      // The other modules' test jars, as a reactor build puts them on the class path.
      .withImportOption(location -> !location.contains("-tests.jar"))
      .importPackages("dev.hashfinder");

  @Test
  void theAdapter_reachesNoTransport_noMetricsLibrary_andNeitherServerNorCluster() {
    noClasses().that().resideInAPackage("dev.hashfinder.grpc..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.grpc.netty..", "io.netty..", "io.grpc.okhttp..", "io.opentelemetry..",
            "io.grpc.opentelemetry..", "io.grpc.protobuf.services..", "io.grpc.services..",
            "dev.hashfinder.server..", "dev.hashfinder.cluster..")
        .because("hashfinder-grpc is the thin adapter: the application brings the transport")
        .check(CLASSES);
  }

  @Test
  void theCluster_neverReachesTheServer() {
    noClasses().that().resideInAPackage("dev.hashfinder.cluster..")
        .should().dependOnClassesThat().resideInAPackage("dev.hashfinder.server..")
        .check(CLASSES);
  }

  @Test
  void theServer_neverReachesTheCluster() {
    noClasses().that().resideInAPackage("dev.hashfinder.server..")
        .should().dependOnClassesThat().resideInAPackage("dev.hashfinder.cluster..")
        .because("a server learns what it needs of a finder through the adapter's interfaces")
        .check(CLASSES);
  }

  @Test
  void theApiAndTheEngine_reachNoGrpc() {
    noClasses().that().resideInAnyPackage("dev.hashfinder", "dev.hashfinder.core..")
        .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "com.google.protobuf..",
            "dev.hashfinder.grpc..", "dev.hashfinder.server..", "dev.hashfinder.cluster..",
            "dev.hashfinder.cli..", "dev.hashfinder.examples..")
        .check(CLASSES);
  }

  @Test
  void nothingReachesBackUp() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("Command line").definedBy("dev.hashfinder.cli..", "dev.hashfinder.examples..")
        .layer("Server").definedBy("dev.hashfinder.server..")
        .layer("Cluster").definedBy("dev.hashfinder.cluster..")
        .layer("Adapter").definedBy("dev.hashfinder.grpc")
        .layer("Wire").definedBy("dev.hashfinder.grpc.proto..")
        .layer("Engine").definedBy("dev.hashfinder.core")
        .layer("Shared internals").definedBy("dev.hashfinder.core.internal..")
        .layer("API").definedBy("dev.hashfinder")
        .whereLayer("Command line").mayNotBeAccessedByAnyLayer()
        .whereLayer("Server").mayOnlyBeAccessedByLayers("Command line")
        .whereLayer("Cluster").mayOnlyBeAccessedByLayers("Command line")
        .whereLayer("Adapter").mayOnlyBeAccessedByLayers("Server", "Cluster", "Command line")
        .whereLayer("Wire")
        .mayOnlyBeAccessedByLayers("Adapter", "Server", "Cluster", "Command line")
        .whereLayer("Engine").mayOnlyBeAccessedByLayers("Adapter", "Server", "Cluster",
            "Command line")
        .whereLayer("Shared internals").mayOnlyBeAccessedByLayers("Engine", "Adapter", "Server",
            "Cluster", "Command line")
        .check(CLASSES);
  }

  @Test
  void noPackageCycles() {
    slices().matching("(dev.hashfinder..)").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void everyClass_logsUnderItsOwnName() {
    classes().should(logUnderTheirOwnName()).check(CLASSES);
  }

  /**
   * A class's static {@link Logger} fields are named for the class, or for the class it is
   * nested in: a class that logs under another's name hides who logged.
   */
  private static ArchCondition<JavaClass> logUnderTheirOwnName() {
    return new ArchCondition<>("log under their own name") {
      @Override
      public void check(JavaClass javaClass, ConditionEvents events) {
        for (JavaField field : javaClass.getFields()) {
          if (!field.getRawType().isEquivalentTo(Logger.class)
              || !field.getModifiers().contains(JavaModifier.STATIC)) {
            continue;
          }
          String owner = javaClass.getName().replaceFirst("\\$.*", "");
          String name = loggerName(field.reflect());
          boolean own = name.equals(owner) || name.equals(javaClass.getName());
          events.add(new SimpleConditionEvent(javaClass, own, javaClass.getName() + "."
              + field.getName() + " is the logger " + name + ", not " + owner + "'s"));
        }
      }
    };
  }

  private static String loggerName(Field field) {
    try {
      field.setAccessible(true);
      return ((Logger) field.get(null)).getName();
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    }
  }
}
