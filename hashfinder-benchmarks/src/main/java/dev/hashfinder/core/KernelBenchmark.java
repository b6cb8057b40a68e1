package dev.hashfinder.core;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Splitter;
import dev.hashfinder.core.NativeKernel.Digest;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The native kernel alone: {@link #CANDIDATES} candidates in the engine's calls of the digest's
 * block (four of SHA-1's and SHA-256's, two of MD5's, sixteen of SHA-512's), without chunks,
 * threads or stop checks around them. Reported per candidate, so that it reads next to {@link
 * EngineBenchmark#scan}. Fails at set-up where the kernel does not run the digest (see {@link
 * HashFinderEngine#searchPath(String)}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KernelBenchmark {
  private static final int CANDIDATES = 16_384;

  @Param({"SHA-1", "SHA-256", "MD5", "SHA-512"})
  public String algorithm;

  /** The target and the threshold, as "target:threshold". */
  @Param({"hashfinder:0", "hashfinder:2", "hashfinder:3"})
  public String query;

  private NativeKernel.Scan scan;
  private final long[] hits = new long[64];
  private long next = 1_000_000;

  @Setup
  public void setUp() {
    Digest digest = Digest.named(algorithm).orElseThrow();
    if (!NativeKernel.runs(digest)) {
      throw new IllegalStateException("the native kernel does not run " + algorithm + ": "
          + NativeKernel.describe(HashAlgorithms.messageDigest(algorithm), true));
    }
    List<String> parts = Splitter.on(':').splitToList(query); // name:distance
    scan = requireNonNull(NativeKernel.scanFor(HashAlgorithms.messageDigest(algorithm),
        parts.get(0), Integer.parseInt(parts.get(1))), "scan");
  }

  @Benchmark
  @OperationsPerInvocation(CANDIDATES)
  public int scanBlocks() {
    int found = 0;
    for (long end = next + CANDIDATES; next < end; next += scan.block()) {
      found += scan.scan(next, next + scan.block(), hits);
    }
    return found;
  }
}
