package dev.hashfinder.cli;

import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashAlgorithms;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.HashFinderServer;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hashfinder serve}: runs the networked hash_name.HashFinder server until stopped. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
        "Serves hash_name.HashFinder on a port, with health and reflection, logging one line "
            + "per call. SIGTERM or Ctrl-C stops it gracefully: calls in flight end with "
            + "UNAVAILABLE and their workers are freed."})
final class ServeCommand implements Callable<Integer> {
  private static final Logger logger = Logger.getLogger("dev.hashfinder.cli");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "50051",
      description = "Port to listen on, 0 for any free one (default: 50051).")
  int port;

  @Option(names = "--maximum-hashes", paramLabel = "N",
      description = "Budget of each call; a client may ask for less (default: 100,000,000).")
  long maximumHashes = HashFinderEngine.DEFAULT_MAX_HASHES;

  @Option(names = "--threads", paramLabel = "N",
      description = "Worker threads per search (default: all cores).")
  Integer threads;

  @Option(names = "--max-concurrent-rpcs", paramLabel = "N",
      description = "Searches that run at once; more are refused with RESOURCE_EXHAUSTED "
          + "(default: 4 per core).")
  Integer maxConcurrentRpcs;

  @Option(names = "--algorithms", paramLabel = "NAME", split = ",",
      description = "Digests clients may ask for (default: SHA-1,SHA-256,SHA-512,MD5,SHA3-256).")
  List<String> algorithms = List.of("SHA-1", "SHA-256", "SHA-512", "MD5", "SHA3-256");

  @Option(names = {"-v", "--verbose"},
      description = "Also log each call as its search starts.")
  boolean verbose;

  @Option(names = "--grace-period", paramLabel = "DURATION", converter = Durations.class,
      defaultValue = "5s", description = "How long a stop waits for calls to end (default: 5s).")
  Duration gracePeriod;

  @Override
  public Integer call() throws InterruptedException {
    Main.requireAtLeast(spec, "--port", port, 0);
    Main.requireAtLeast(spec, "--maximum-hashes", maximumHashes, 1);
    Main.requireAtLeast(spec, "--threads", threads, 1);
    Main.requireAtLeast(spec, "--max-concurrent-rpcs", maxConcurrentRpcs, 1);
    HashFinderEngine engine;
    HashFinderServer server;
    int concurrent = maxConcurrentRpcs != null
        ? maxConcurrentRpcs : 4 * Runtime.getRuntime().availableProcessors();
    try {
      List<HashAlgorithm> allowed = new ArrayList<>();
      for (String algorithm : algorithms) {
        allowed.add(HashAlgorithms.lookup(algorithm).orElseThrow(() ->
            new IllegalArgumentException("--algorithms: unknown digest " + algorithm)));
      }
      HashFinderEngine.Builder builder = HashFinderEngine.newBuilder()
          .budget(ResourceBudget.ofHashes(maximumHashes))
          .algorithms(allowed);
      if (threads != null) {
        builder.threads(threads);
      }
      engine = builder.build();
      server = HashFinderServer.forPort(port).finder(engine)
          .maxConcurrentSearches(concurrent).gracePeriod(gracePeriod).start();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    } catch (UncheckedIOException e) {
      System.err.println("hashfinder: " + e.getMessage());
      return Main.EXIT_NOT_FOUND;
    }
    Main.serverLogs(verbose);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      logger.info("stopping: no new calls, cancelling those in flight");
      server.close();
      engine.close();
      logger.info("hashfinder stopped");
      stopped.countDown();
      QuietShutdownLogManager.flushAndClose();
    }, "hashfinder-stop"));
    logger.info("hashfinder serving hash_name.HashFinder on port " + server.port()
        + " (budget " + maximumHashes + " hashes per call, " + engine.threads()
        + " threads per search, at most " + concurrent + " searches at once, digests "
        + String.join(", ", engine.algorithmNames()) + ")");
    server.awaitTermination();
    stopped.await();
    return Main.EXIT_FOUND;
  }
}
