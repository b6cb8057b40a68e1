package dev.hashfinder.cluster;

import dev.hashfinder.Digester;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.core.HashAlgorithms;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * SHA-1, named so, that parks {@code pauseNanos} every 256 digests (a slower server), and after
 * {@code fateAfter} digests runs {@code fate} once, on the hashing thread (to kill or stall its
 * server part-way through a range). Thread-safe.
 */
final class ThrottledSha1 implements HashAlgorithm {
  final long pauseNanos;
  final long fateAfter;
  final Runnable fate;
  final AtomicLong digests = new AtomicLong();
  private final HashAlgorithm sha1 = HashAlgorithms.sha1();

  ThrottledSha1(long pauseNanos, long fateAfter, Runnable fate) {
    this.pauseNanos = pauseNanos;
    this.fateAfter = fateAfter;
    this.fate = fate;
  }

  @Override
  public String name() {
    return "SHA-1";
  }

  @Override
  public int digestLength() {
    return 20;
  }

  @Override
  public Digester newDigester() {
    Digester inner = sha1.newDigester();
    return (input, length, output) -> {
      long n = digests.incrementAndGet();
      if (n == fateAfter) {
        fate.run();
      }
      if (pauseNanos > 0 && (n & 255) == 0) {
        LockSupport.parkNanos(pauseNanos);
      }
      inner.digest(input, length, output);
    };
  }
}
