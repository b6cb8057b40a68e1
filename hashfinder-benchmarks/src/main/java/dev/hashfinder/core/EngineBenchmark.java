package dev.hashfinder.core;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole engine: nanoseconds per candidate of a budget-bound search (run with {@code -prof gc}
 * to see the allocation per candidate), and the time from cancel() to the last worker gone.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/sun.security.provider=ALL-UNNAMED")
public class EngineBenchmark {
  private static final long CANDIDATES = 4_000_000;

  @Param({"1", "2"})
  public int threads;

  @Param({"SHA-1", "SHA-256", "MD5", "SHA-512"})
  public String algorithm;

  /** On the native kernel where it runs the digest and is in use, or on the Java path. */
  @Param({"true", "false"})
  public boolean nativeKernel;

  @Param({"0", "2"})
  public int distance;

  private HashFinderEngine engine;
  private Query query;

  @Setup(Level.Trial)
  public void setUp() {
    engine = HashFinderEngine.newBuilder().threads(threads).nativeKernel(nativeKernel).build();
    query = Query.of("hashfinder", distance).withAlgorithm(algorithm);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    engine.close();
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @OperationsPerInvocation(4_000_000)
  public @Nullable Object scan() {
    try {
      return engine.find(query, ResourceBudget.ofHashes(CANDIDATES), new CancellationToken())
          .join();
    } catch (CompletionException exhausted) {
      return exhausted.getCause();
    }
  }

  /** A search well under way, started before each timed cancellation. */
  @State(Scope.Thread)
  public static class RunningSearch {
    CancellationToken token;
    CompletableFuture<Match> search;

    @Setup(Level.Invocation)
    public void start(EngineBenchmark benchmark) throws InterruptedException {
      token = new CancellationToken();
      long before = benchmark.engine.hashesExamined();
      search = benchmark.engine.find(benchmark.query, ResourceBudget.unlimited(), token);
      while (benchmark.engine.hashesExamined() - before < 100_000) {
        Thread.sleep(1);
      }
    }
  }

  /** From cancel() until the search's future completes, which is after its last worker left. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Object cancelToIdle(RunningSearch running) {
    running.token.cancel();
    try {
      return running.search.join();
    } catch (CancellationException expected) {
      return expected; // completes once the workers left
    }
  }
}
