package dev.hashfinder.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The packaged {@code hashfinder.jar} started as real processes (or the distribution's launcher,
 * {@link #throughLauncher()}), their output collected line by line, and every one of them killed
 * at {@link #close()}.
 */
final class Processes implements AutoCloseable {
  static final String JAR = System.getProperty("hashfinder.jar",
      Path.of("target/hashfinder.jar").toAbsolutePath().toString());
  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  /** The distribution's archive, as {@code mvn package} writes it. */
  static final String ARCHIVE = System.getProperty("hashfinder.archive",
      Path.of("target/hashfinder.tar.gz").toAbsolutePath().toString());

  private static Path unpacked;

  private final List<Run> runs = new CopyOnWriteArrayList<>();
  private final List<String> command;

  /** Runs the commands as {@code java -jar hashfinder.jar}. */
  Processes() {
    this(List.of(JAVA, "-jar", JAR));
  }

  private Processes(List<String> command) {
    this.command = command;
  }

  /**
   * Runs the commands as a user of the distribution does: {@code bin/hashfinder} of the archive,
   * unpacked once a test run into a new directory, on this JVM (JAVA_HOME), its start-up archive
   * in a cache directory of its own.
   */
  static Processes throughLauncher() throws IOException, InterruptedException {
    Path home = distribution();
    return new Processes(List.of("JAVA_HOME=" + System.getProperty("java.home"),
        "XDG_CACHE_HOME=" + home.resolveSibling("cache"), launcher(home).toString()));
  }

  /** {@code bin/hashfinder} of an unpacked distribution. */
  static Path launcher(Path home) {
    return home.resolve("bin").resolve("hashfinder");
  }

  /** The distribution's home, unpacked from {@link #ARCHIVE} on first use. */
  static synchronized Path distribution() throws IOException, InterruptedException {
    if (unpacked == null) {
      Path directory = Files.createTempDirectory(Path.of("target"), "distribution-");
      Process tar = new ProcessBuilder("tar", "-xzf", ARCHIVE, "-C", directory.toString())
          .inheritIO().start();
      assertThat(tar.waitFor()).as("tar -xzf " + ARCHIVE).isZero();
      try (Stream<Path> homes = Files.list(directory)) {
        unpacked = homes.filter(Files::isDirectory).findFirst().orElseThrow().toAbsolutePath();
      }
    }
    return unpacked;
  }

  /** Kills every process started, the last first. */
  @Override
  public void close() throws InterruptedException {
    List<Run> started = new ArrayList<>(runs);
    Collections.reverse(started);
    for (Run run : started) {
      run.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  Run start(String... args) throws IOException {
    return startBehind(List.of(), args);
  }

  /**
   * Starts the command with {@code args} behind the command {@code prefix}, one that execs the
   * rest of its command line (such as {@code ip netns exec NAME}), so that the process is the
   * command itself.
   */
  Run startBehind(List<String> prefix, String... args) throws IOException {
    List<String> command = new ArrayList<>(prefix);
    // A background shell may have started us with SIGINT ignored; children must not be.
    command.addAll(List.of("env", "--default-signal=INT"));
    command.addAll(this.command);
    command.addAll(List.of(args));
    Run run = new Run(new ProcessBuilder(command).start());
    runs.add(run);
    return run;
  }

  /**
   * Starts a test class's {@code main}, with the packaged jar on its class path for everything
   * else: a server of the tests' own, such as one that lies.
   */
  Run startMain(Class<?> main, String... args) throws Exception {
    String testClasses =
        Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT", JAVA, "-cp",
        testClasses + File.pathSeparator + JAR, main.getName()));
    command.addAll(List.of(args));
    Run run = new Run(new ProcessBuilder(command).start());
    runs.add(run);
    return run;
  }

  static void signal(String name, Run run) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(run.process.pid()))
        .inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  Server serve(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("serve", "--port", "0", "--verbose"));
    all.addAll(List.of(args));
    Run run = start(all.toArray(String[]::new));
    Pattern port = Pattern.compile(".*serving hash_name.HashFinder on 127.0.0.1:(\\d+).*");
    String target = await().atMost(Duration.ofSeconds(30)).until(() -> run.stderr.stream()
        .map(port::matcher).filter(Matcher::matches).map(m -> "127.0.0.1:" + m.group(1))
        .findFirst().orElse(null), t -> t != null);
    return new Server(run, target);
  }

  /** A running {@code serve} and its address. */
  record Server(Run run, String target) {
    /** Waits until the server has started the search of a call for {@code name}. */
    void awaitSearching(String name) {
      awaitLog("Find desired_name=\"" + name + "\" ideal=0 from 127.0.0.1: searching");
    }

    /** Waits for a line holding {@code fragment}; if none comes, fails showing the last lines. */
    void awaitLog(String fragment) {
      try {
        await().atMost(Duration.ofSeconds(30))
            .until(() -> run.stderr.stream().anyMatch(line -> line.contains(fragment)));
      } catch (ConditionTimeoutException e) {
        List<String> lines = List.copyOf(run.stderr);
        throw new AssertionError("no line with \"" + fragment + "\" from " + target
            + " within 30 s; its last lines:\n"
            + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())), e);
      }
    }
  }

  /** A process whose output is collected line by line as it comes. */
  static final class Run {
    final Process process;
    final List<String> stdout = new CopyOnWriteArrayList<>();
    final List<String> stderr = new CopyOnWriteArrayList<>();
    private final Thread outReader;
    private final Thread errReader;

    Run(Process process) {
      this.process = process;
      this.outReader = collect(process.getInputStream(), stdout, false);
      this.errReader = collect(process.getErrorStream(), stderr, true);
    }

    /**
     * Collects a stream's lines. On stderr it leaves out the JVM's own warnings, which are not the
     * command's output: from JDK 24 on, a block about protobuf-java's use of sun.misc.Unsafe
     * ("WARNING: ..." lines, then a blank one). The command writes no blank lines there.
     */
    private static Thread collect(InputStream stream, List<String> lines, boolean stderr) {
      Thread thread = new Thread(() -> {
        try (BufferedReader reader =
            new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
          for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            if (!stderr || !(line.startsWith("WARNING: ") || line.isEmpty())) {
              lines.add(line);
            }
          }
        } catch (IOException e) {
          // The process is gone.
        }
      });
      thread.setDaemon(true);
      thread.start();
      return thread;
    }

    int exitCode() throws InterruptedException {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the process exited").isTrue();
      outReader.join(5000);
      errReader.join(5000);
      assertThat(outReader.isAlive() || errReader.isAlive())
          .as("stdout and stderr read to their end").isFalse();
      return process.exitValue();
    }
  }
}
