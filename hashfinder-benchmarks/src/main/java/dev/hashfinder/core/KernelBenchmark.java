package dev.hashfinder.core;

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
 * The native kernel alone: one call over a block of {@link Search#NATIVE_BLOCK} candidates, as the
 * engine makes it, without chunks, threads or stop checks around it. Reported per candidate, so
 * that it reads next to {@link EngineBenchmark#scan}. Fails at set-up where the kernel is not in
 * use (see {@link HashFinderEngine#sha1Path()}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KernelBenchmark {
  /** The target and the threshold, as "target:threshold". */
  @Param({"hashfinder:0", "hashfinder:1", "hashfinder:2", "hashfinder:3"})
  public String query;

  private byte[] kernelQuery;
  private final long[] hits = new long[64];
  private long next = 1_000_000;

  @Setup
  public void setUp() {
    if (!NativeKernel.available()) {
      throw new IllegalStateException("no native kernel: " + NativeKernel.status());
    }
    String[] parts = query.split(":");
    kernelQuery = NativeKernel.encode(parts[0], Integer.parseInt(parts[1]));
  }

  @Benchmark
  @OperationsPerInvocation(Search.NATIVE_BLOCK)
  public int scanBlock() {
    long start = next;
    next += Search.NATIVE_BLOCK;
    return NativeKernel.scan(kernelQuery, start, start + Search.NATIVE_BLOCK, hits);
  }
}
