package dev.hashfinder.core;

import com.google.common.base.Splitter;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Deciding one random SHA-1 digest: the anchor filter the engine runs first, and the table
 * matcher on decoded characters that it runs only on the few candidates the filter passes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MatcherBenchmark {
  @Param({"hashfinder:0", "Doctor:1", "hashfinder:2"})
  public String query;

  private WindowMatcher matcher;
  private final byte[][] digests = new byte[1024][AnchorFilter.paddedLength(20)];
  private final long[] packed = new long[AnchorFilter.longsFor(20)];
  private final byte[] codes = new byte[28];
  private int next;

  @Setup
  public void setUp() {
    List<String> parts = Splitter.on(':').splitToList(query); // name:distance
    matcher = new WindowMatcher(parts.get(0), Integer.parseInt(parts.get(1)), 20);
    Random random = new Random(1);
    for (byte[] digest : digests) {
      byte[] bytes = new byte[20];
      random.nextBytes(bytes);
      System.arraycopy(bytes, 0, digest, 0, 20);
    }
  }

  @Benchmark
  public boolean packAndFilter() {
    AnchorFilter.pack(digests[next++ & 1023], packed);
    return matcher.mayQualify(packed);
  }

  @Benchmark
  public boolean decodeAndCount() {
    matcher.decode(digests[next++ & 1023], codes);
    return matcher.within(codes);
  }
}
