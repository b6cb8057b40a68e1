package dev.hashfinder.modular;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A modular application that uses the engine, compiled and run with nothing but {@code
 * --module-path}: the library's module descriptors must say everything the JVM needs (no {@code
 * --add-modules}, no class-path fallbacks).
 */
class ModularSmokeIT {
  @TempDir Path work;

  @Test
  void aModularApplication_runsTheEngine_fromTheModulePathAlone() throws Exception {
    String modulePath = String.join(File.pathSeparator, libraryModules());
    Path source = work.resolve("src");
    write(source.resolve("module-info.java"), "module smoke { requires dev.hashfinder.core; }");
    write(source.resolve("smoke/Main.java"), """
        package smoke;

        import dev.hashfinder.Query;
        import dev.hashfinder.core.HashFinderEngine;

        public final class Main {
          public static void main(String[] args) {
            try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(2).build()) {
              System.out.println(engine.find(Query.of("aa", 0)).join().secretBase64());
            }
          }
        }
        """);
    Path classes = work.resolve("classes");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();

    int compiled = javac.run(null, null, null, "--module-path", modulePath,
        "-d", classes.toString(),
        source.resolve("module-info.java").toString(),
        source.resolve("smoke/Main.java").toString());

    assertThat(compiled).as("javac exit status").isZero();
    Process java = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--module-path", classes + File.pathSeparator + modulePath,
        "-m", "smoke/smoke.Main")
        .redirectErrorStream(true).start();
    assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(java.exitValue()).as(output).isZero();
    assertThat(output.lines()).contains("ZA==");
  }

  /** The jars of hashfinder-api, hashfinder-core and what they need, from this test's class path. */
  private static List<String> libraryModules() {
    List<String> jars = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      if (name.matches("hashfinder-(api|core)-[^-]+(-SNAPSHOT)?\\.jar")
          || name.matches("(guava|failureaccess|jspecify)-.*\\.jar")) {
        jars.add(entry);
      }
    }
    assertThat(jars).as("module jars on the class path").hasSize(5);
    return jars;
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }
}
