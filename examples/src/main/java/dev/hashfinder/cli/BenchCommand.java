package dev.hashfinder.cli;

import static java.util.Objects.requireNonNull;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashAlgorithms;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.HashFinderClient;
import dev.hashfinder.server.HashFinderServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hashfinder bench}: candidates per second for each digest, path (the native kernel, for
 * the digests it runs, and the Java path), distance and thread count, next to what openssl says
 * this CPU hashes, and how long a cancelled search takes to free its workers.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
        "Runs the engine for a fixed time per digest, path, distance and thread count and "
            + "prints candidates per second, with openssl's single-block rate for the same digest "
            + "beside it when openssl is on the PATH; then the time from cancel() to idle "
            + "workers, in the engine and over loopback gRPC. SHA-1, SHA-256, MD5 and SHA-512 "
            + "run on both paths: the native kernel (where it is in use) and Java."})
final class BenchCommand implements Callable<Integer> {
  /** Bytes per compression block, to turn openssl's bytes/s into blocks/s. */
  private static final Map<String, Integer> BLOCK_BYTES = Map.of(
      "SHA-1", 64, "SHA-256", 64, "MD5", 64, "SHA-512", 128, "SHA3-256", 136);
  private static final Map<String, String> OPENSSL_NAMES = Map.of(
      "SHA-1", "sha1", "SHA-256", "sha256", "MD5", "md5", "SHA-512", "sha512",
      "SHA3-256", "sha3-256");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--seconds", paramLabel = "N", defaultValue = "3",
      description = "Seconds per measurement, after as long again to warm up (default: 3).")
  int seconds;

  @Option(names = "--threads", paramLabel = "N", split = ",",
      description = "Thread counts to run (default: 1 up to the cores).")
  List<Integer> threads;

  @Option(names = "--algorithms", paramLabel = "NAME", split = ",",
      defaultValue = "SHA-1,SHA-256,MD5,GUAVA-SHA-256",
      description = "Digests to run; GUAVA-SHA-256 is Guava's (default: ${DEFAULT-VALUE}).")
  List<String> algorithms;

  @Option(names = "--target", paramLabel = "NAME", defaultValue = "hashfinder",
      description = "A name not found within the runs (default: ${DEFAULT-VALUE}).")
  String target;

  @Option(names = {"--ideal-distance", "--ideal-distances"}, paramLabel = "N", split = ",",
      defaultValue = "0,1,2,3",
      description = "Ideal distances to run (default: ${DEFAULT-VALUE}).")
  List<Integer> idealDistances;

  @Option(names = "--paths", paramLabel = "PATH", split = ",", defaultValue = "native,java",
      description = "Paths to run: native (the kernel, for the digests it runs where it is in "
          + "use) and java (default: ${DEFAULT-VALUE}); other digests always run in Java.")
  List<String> paths;

  @Option(names = "--cancellations", paramLabel = "N", defaultValue = "200",
      description = "Cancellations to time, in the engine and over loopback (default: "
          + "${DEFAULT-VALUE}; 0 skips).")
  int cancellations;

  @Option(names = "--json", description = "Print the results as one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Main.requireAtLeast(spec, "--seconds", seconds, 1);
    Main.requireAtLeast(spec, "--cancellations", cancellations, 0);
    for (int distance : idealDistances) {
      Main.requireAtLeast(spec, "--ideal-distance", distance, 0);
    }
    for (String path : paths) {
      if (!path.equals("native") && !path.equals("java")) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--paths: native or java, not " + path);
      }
    }
    int cores = Runtime.getRuntime().availableProcessors();
    List<Integer> threadCounts = threads != null ? threads
        : java.util.stream.IntStream.rangeClosed(1, cores).boxed().toList();
    for (int count : threadCounts) {
      Main.requireAtLeast(spec, "--threads", count, 1);
    }
    List<HashAlgorithm> digests = new ArrayList<>();
    for (String name : algorithms) {
      digests.add(name.equalsIgnoreCase("GUAVA-SHA-256")
          ? HashAlgorithms.guava("GUAVA-SHA-256", com.google.common.hash.Hashing.sha256())
          : HashAlgorithms.lookup(name).orElseThrow(() -> new CommandLine.ParameterException(
              spec.commandLine(), "--algorithms: unknown digest " + name)));
    }

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("cpu", cpuModel());
    report.put("cores", cores);
    report.put("java", Runtime.version().toString() + " (" + System.getProperty("java.vm.name")
        + ")");
    Map<String, String> searchPaths = new LinkedHashMap<>();
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().algorithms(digests).build()) {
      for (HashAlgorithm digest : digests) {
        searchPaths.put(digest.name(), engine.searchPath(digest.name()));
      }
    }
    report.put("search_paths", searchPaths);
    report.put("sha1_path", HashAlgorithms.compressionPath("SHA-1"));
    report.put("sha256_path", HashAlgorithms.compressionPath("SHA-256"));
    report.put("target", target);
    report.put("ideal_distances", idealDistances);
    report.put("seconds", seconds);
    if (!json) {
      System.out.printf(Locale.ROOT, "hashfinder bench: \"%s\" within %s, %d s per run%n",
          target, idealDistances.stream().map(String::valueOf).collect(Collectors.joining(",")),
          seconds);
      System.out.printf(Locale.ROOT, "cpu: %s (%d cores), java %s%n", report.get("cpu"), cores,
          report.get("java"));
      searchPaths.forEach((digest, path) ->
          System.out.printf(Locale.ROOT, "%s search: %s%n", digest, path));
      System.out.printf(Locale.ROOT, "Java path's SHA-1: %s, SHA-256: %s%n%n",
          report.get("sha1_path"), report.get("sha256_path"));
      System.out.printf(Locale.ROOT, "%-14s %-6s %4s %7s %14s %12s %16s %7s%n", "digest",
          "path", "dist", "threads", "candidates/s", "per thread", "openssl blocks/s", "ratio");
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (HashAlgorithm digest : digests) {
      OptionalDouble openssl = opensslBlocksPerSecond(digest.name());
      // searchPaths holds every digest of the run.
      boolean kernelRuns = requireNonNull(searchPaths.get(digest.name()), digest.name())
          .startsWith("native");
      for (String path : paths) {
        boolean useKernel = path.equals("native");
        if (useKernel && !kernelRuns) {
          continue; // the kernel runs four of the JDK's digests, and only where it is in use
        }
        boolean warm = false;
        for (int distance : idealDistances) {
          for (int count : threadCounts) {
            double rate = candidatesPerSecond(digest, useKernel, distance, count, !warm);
            warm = true;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("digest", digest.name());
            row.put("path", path);
            row.put("ideal_distance", distance);
            row.put("threads", count);
            row.put("candidates_per_second", Math.round(rate));
            if (openssl.isPresent()) {
              row.put("openssl_blocks_per_second", Math.round(openssl.getAsDouble()));
              row.put("ratio_per_thread", round2(rate / count / openssl.getAsDouble()));
            }
            rows.add(row);
            if (!json) {
              System.out.printf(Locale.ROOT, "%-14s %-6s %4d %7d %14s %12s %16s %7s%n",
                  digest.name(), path, distance, count, mega(rate), mega(rate / count),
                  openssl.isPresent() ? mega(openssl.getAsDouble()) : "-",
                  openssl.isPresent() ? String.format(Locale.ROOT, "%.2f",
                      rate / count / openssl.getAsDouble()) : "-");
            }
          }
        }
      }
    }
    report.put("throughput", rows);
    if (!json && openssl(List.of("version")) == null) {
      System.out.println("(openssl is not on the PATH: no hardware reference)");
    }
    if (cancellations > 0) {
      Map<String, Object> latency = new LinkedHashMap<>();
      latency.put("engine_ms", percentiles(cancelLatencies(false, true)));
      boolean nativeInUse = HashFinderEngine.create().searchPath(Query.DEFAULT_ALGORITHM)
          .startsWith("native");
      if (nativeInUse) {
        latency.put("engine_java_path_ms", percentiles(cancelLatencies(false, false)));
      }
      latency.put("loopback_grpc_ms", percentiles(cancelLatencies(true, true)));
      report.put("cancel_to_idle", latency);
      if (!json) {
        System.out.printf(Locale.ROOT, "%ncancel() to idle workers over %d runs, ms:%n",
            cancellations);
        latency.forEach((where, figures) ->
            System.out.printf(Locale.ROOT, "  %-17s %s%n", where, figures));
      }
    }
    if (json) {
      System.out.println(Output.Json.GSON.toJson(report));
    }
    return Main.EXIT_FOUND;
  }

  /**
   * One row's rate. The first run of a digest and path warms up for as long as it measures (the
   * hot loop compiles); later ones, whose code is compiled already, for a second.
   */
  private double candidatesPerSecond(HashAlgorithm digest, boolean useKernel, int distance,
      int threadCount, boolean firstOfPath) {
    try (HashFinderEngine engine = HashFinderEngine.newBuilder()
        .threads(threadCount).algorithms(digest).nativeKernel(useKernel)
        .budget(ResourceBudget.unlimited()) // the run's timeout ends it, not a hash count
        .build()) {
      Query query = new Query(target, distance, 0, digest.name());
      run(engine, query, firstOfPath ? seconds : 1);
      long before = engine.hashesExamined();
      long start = System.nanoTime();
      run(engine, query, seconds);
      return (engine.hashesExamined() - before) / ((System.nanoTime() - start) / 1e9);
    }
  }

  /**
   * Searches for that long. An answer found on the way (at larger distances they come every few
   * tens of millions) starts the next search just past it, as a user who wants more answers
   * would, so the run keeps hashing until its time is up.
   */
  private void run(HashFinderEngine engine, Query query, int runSeconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(runSeconds);
    long first = 0;
    for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
      CompletableFuture<Match> search = engine.find(query.startingAt(first),
          ResourceBudget.unlimited().withTimeout(Duration.ofNanos(left)),
          new CancellationToken());
      try {
        first = search.join().index() + 1;
      } catch (java.util.concurrent.CompletionException expected) {
        if (!(expected.getCause() instanceof dev.hashfinder.DeadlineExceededException)) {
          throw expected;
        }
        return;
      }
    }
  }

  /**
   * Milliseconds from cancel() until the search's workers are gone. In the engine, the future of
   * a search cancelled through its token completes only after its last worker left, on that
   * worker's thread, which stamps the time; over gRPC, the server's engine is watched. The measuring thread sleeps rather than spins, so that it
   * does not take a core from the workers it times.
   */
  private double[] cancelLatencies(boolean overLoopback, boolean useKernel) throws Exception {
    int warmup = Math.max(10, cancellations / 10);
    double[] millis = new double[cancellations];
    Query query = Query.of(target, idealDistances.get(0));
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().nativeKernel(useKernel).build()) {
      HashFinderServer server = null;
      ManagedChannel channel = null;
      dev.hashfinder.HashFinder finder = engine;
      if (overLoopback) {
        Main.quietServerLogs();
        server = HashFinderServer.forPort(0).finder(engine).start();
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(),
            InsecureChannelCredentials.create()).build();
        finder = HashFinderClient.create(channel);
      }
      try {
        for (int i = -warmup; i < cancellations; i++) {
          CancellationToken token = new CancellationToken();
          long examined = engine.hashesExamined();
          CompletableFuture<Match> search = finder.find(query, ResourceBudget.unlimited(), token);
          while (engine.hashesExamined() - examined < 200_000 && !search.isDone()) {
            Thread.sleep(1); // until the workers are well into the search
          }
          if (search.isDone()) {
            search.join(); // failed before it was cancelled: say why
            throw new IllegalStateException("the search for " + query + " ended on its own");
          }
          // Stamped by the last worker as it leaves: the future completes on its thread. Waited
          // for itself, not through the search: get() may return before the stamp is taken.
          CompletableFuture<Long> idle = search.handle((match, failure) -> System.nanoTime());
          long start = System.nanoTime();
          token.cancel();
          long end;
          if (overLoopback) {
            while (engine.activeSearches() > 0) {
              java.util.concurrent.locks.LockSupport.parkNanos(20_000);
            }
            end = System.nanoTime();
          } else {
            end = idle.join(); // once the workers left
            try {
              search.get(); // a search that failed otherwise says why
            } catch (java.util.concurrent.CancellationException expected) {
              // as asked
            }
          }
          if (i >= 0) {
            millis[i] = (end - start) / 1e6;
          }
        }
      } finally {
        if (channel != null) {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
          server.close();
        }
      }
    }
    return millis;
  }

  private static Map<String, Object> percentiles(double[] millis) {
    double[] sorted = millis.clone();
    Arrays.sort(sorted);
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("p50", round2(sorted[(int) Math.floor(0.50 * (sorted.length - 1))]));
    figures.put("p99", round2(sorted[(int) Math.floor(0.99 * (sorted.length - 1))]));
    figures.put("max", round2(sorted[sorted.length - 1]));
    return figures;
  }

  private OptionalDouble opensslBlocksPerSecond(String digest) {
    String algorithm = digest.toUpperCase(Locale.ROOT).replace("GUAVA-", "");
    String name = OPENSSL_NAMES.get(algorithm);
    Integer block = BLOCK_BYTES.get(algorithm);
    if (name == null || block == null) {
      return OptionalDouble.empty();
    }
    List<String> lines = openssl(List.of("speed", "-evp", name, "-bytes", "8192",
        "-seconds", Integer.toString(seconds)));
    if (lines == null) {
      return OptionalDouble.empty();
    }
    // The last line: "sha1   2070748.24k" - thousands of bytes per second.
    Pattern figure = Pattern.compile("^\\S+\\s+([0-9.]+)k\\s*$");
    for (int i = lines.size() - 1; i >= 0; i--) {
      Matcher matcher = figure.matcher(lines.get(i).trim());
      if (matcher.matches()) {
        return OptionalDouble.of(Double.parseDouble(matcher.group(1)) * 1000 / block);
      }
    }
    return OptionalDouble.empty();
  }

  /** openssl's output lines, or null if it cannot be run. */
  private static @Nullable List<String> openssl(List<String> arguments) {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(arguments);
    try {
      Process process = new ProcessBuilder(command)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      List<String> lines;
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        lines = out.lines().toList();
      }
      return process.waitFor() == 0 ? lines : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(line -> line.startsWith("model name"))
          .map(line -> line.substring(line.indexOf(':') + 1).trim())
          .findFirst().orElse(System.getProperty("os.arch"));
    } catch (IOException e) {
      return System.getProperty("os.arch");
    }
  }

  private static String mega(double perSecond) {
    return String.format(Locale.ROOT, "%.2f M", perSecond / 1e6);
  }

  private static double round2(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
