package dev.hashfinder.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.cli.Processes.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as unpacked from its archive: what it holds, and that {@code bin/hashfinder}
 * is {@code java -jar hashfinder.jar} (same output, same exit status) found through symlinks,
 * with JAVA_OPTS, and its start-up archive made by a first run and mapped by the next.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DistributionIT {
  @Test
  void theArchive_holdsLauncherJarCompletionManPagesReadmeAndLicense() throws Exception {
    Path home = Processes.distribution();

    assertThat(Files.isExecutable(Processes.launcher(home))).isTrue();
    assertThat(home.resolve("lib/hashfinder.jar")).isRegularFile();
    assertThat(home.resolve("README.md")).isRegularFile();
    assertThat(home.resolve("LICENSE")).isRegularFile();
    for (String page : List.of("hashfinder", "hashfinder-find", "hashfinder-serve",
        "hashfinder-bench")) {
      assertThat(Files.readString(home.resolve("share/man/man1/" + page + ".1")))
          .as(page).contains(".TH \"" + page.toUpperCase().replace("-", "\\-") + "\" \"1\"");
    }
    assertThat(home.resolve("share/zsh/site-functions/hashfinder_completion.zsh")).isRegularFile();
  }

  @Test
  void bashCompletion_completesSubcommandsAndOptions() throws Exception {
    Path completion = Processes.distribution()
        .resolve("share/bash-completion/completions/hashfinder");
    String script = "source '" + completion + "'\n"
        + "COMP_WORDS=(hashfinder fi); COMP_CWORD=1; COMP_LINE='hashfinder fi'; COMP_POINT=13\n"
        + "_complete_hashfinder; echo \"${COMPREPLY[@]}\"\n"
        + "COMP_WORDS=(hashfinder find --ser); COMP_CWORD=2; COMP_LINE='hashfinder find --ser'\n"
        + "COMP_POINT=21; _complete_hashfinder; echo \"${COMPREPLY[@]}\"\n";
    Run bash = start(List.of("bash", "-c", script), Map.of());

    assertThat(bash.exitCode()).isZero();
    assertThat(bash.stdout).containsExactly("find", "--server --servers");
  }

  @Test
  void launcher_printsAndExitsExactlyAsTheJarDoes() throws Exception {
    Path launcher = Processes.launcher(Processes.distribution());
    List<List<String>> runs = List.of(
        List.of("--version"),
        List.of("--help"),
        List.of("find", "aa"),
        List.of("find", "Doctor", "--ideal-distance", "1", "--json"),
        List.of("find", "ZZZZZZ", "--maximum-hashes", "1000"),
        List.of("find", "aa", "--ideal-distance", "-1"),
        List.of("nonsense"));
    for (List<String> args : runs) {
      List<String> throughLauncher = new ArrayList<>(List.of(launcher.toString()));
      throughLauncher.addAll(args);
      List<String> throughJar = new ArrayList<>(List.of(Processes.JAVA, "-jar", Processes.JAR));
      throughJar.addAll(args);

      Run viaLauncher = start(throughLauncher, Map.of());
      Run viaJar = start(throughJar, Map.of());

      assertThat(viaLauncher.exitCode()).as("exit status of %s", args)
          .isEqualTo(viaJar.exitCode());
      assertThat(viaLauncher.stdout).as("stdout of %s", args).isEqualTo(viaJar.stdout);
      assertThat(viaLauncher.stderr).as("stderr of %s", args).isEqualTo(viaJar.stderr);
    }
  }

  @Test
  void launcher_foundThroughASymlink_passesJavaOptsToTheJvm(@TempDir Path directory)
      throws Exception {
    Path link = directory.resolve("hf");
    Files.createSymbolicLink(link, Processes.launcher(Processes.distribution()));

    Run run = start(List.of(link.toString(), "--version"),
        Map.of("JAVA_OPTS", "-Dhashfinder.native=false"));

    assertThat(run.exitCode()).isZero();
    assertThat(run.stdout).hasSize(3);
    assertThat(run.stdout.get(0)).startsWith("hashfinder ");
    assertThat(run.stdout.get(2)).isEqualTo(
        "SHA-1 search path: Java (direct compression; native kernel off: -Dhashfinder.native=false)");
  }

  @Test
  void firstRun_makesTheStartUpArchive_andTheNextRunMapsItsClasses(@TempDir Path cache)
      throws Exception {
    Path launcher = Processes.launcher(Processes.distribution());
    Map<String, String> env = Map.of("XDG_CACHE_HOME", cache.toString());

    assertThat(start(List.of(launcher.toString(), "--version"), env).exitCode()).isZero();
    Path archives = cache.resolve("hashfinder");
    await().atMost(Duration.ofSeconds(120)).until(() -> {
      try (Stream<Path> files = Files.list(archives)) {
        return files.anyMatch(file -> file.toString().endsWith(".jsa"));
      }
    });
    Run mapped = start(List.of(launcher.toString(), "--version"),
        Map.of("XDG_CACHE_HOME", cache.toString(), "JAVA_OPTS", "-Xlog:class+load=info"));

    assertThat(mapped.exitCode()).isZero();
    assertThat(mapped.stdout).anySatisfy(line -> assertThat(line)
        .contains(" dev.hashfinder.cli.Main source: shared objects file"));
  }

  @Test
  void withoutJava_theLauncherSaysSo_andExits127(@TempDir Path directory) throws Exception {
    Path launcher = Processes.launcher(Processes.distribution());

    Run run = start(List.of("/bin/sh", launcher.toString(), "--version"),
        Map.of("JAVA_HOME", directory.toString()));

    assertThat(run.exitCode()).isEqualTo(127);
    assertThat(run.stderr).containsExactly("hashfinder: no java: set JAVA_HOME to a JDK or JRE "
        + "17 or later, or put java on PATH");
  }

  /** Starts a command with this JVM as JAVA_HOME and a cache of its own, plus {@code env}. */
  private static Run start(List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().put("XDG_CACHE_HOME",
        Processes.distribution().resolveSibling("cache").toString());
    builder.environment().remove("JAVA_OPTS");
    builder.environment().putAll(env);
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return new Run(builder.start());
  }
}
