package dev.hashfinder.core;

import com.google.common.hash.Hashing;
import dev.hashfinder.Digester;
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
 * Hashing one 3-byte secret, by each path: the direct SHA-1 compression, SHA-1 through
 * MessageDigest, the other JDK digests and Guava's SHA-256. Secrets advance as in the search.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/sun.security.provider=ALL-UNNAMED")
public class DigestBenchmark {
  @Param({"SHA-1 direct", "SHA-1 MessageDigest", "SHA-256", "MD5", "Guava SHA-256"})
  public String path;

  private Digester digester;
  private final byte[] secret = new byte[SecretSequence.MAX_LENGTH + 1];
  private final byte[] digest = new byte[64];
  private int length;

  @Setup
  @SuppressWarnings("deprecation") // Guava deprecates SHA-1 for security, not for us
  public void setUp() throws Exception {
    digester = switch (path) {
      case "SHA-1 direct" -> {
        if (!DirectCompression.SHA_1.available()) {
          throw new IllegalStateException(DirectCompression.SHA_1.describe());
        }
        yield HashAlgorithms.sha1().newDigester();
      }
      case "SHA-1 MessageDigest" -> {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-1");
        yield (input, n, output) -> {
          md.update(input, 0, n);
          try {
            md.digest(output, 0, 20);
          } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
          }
        };
      }
      case "Guava SHA-256" -> HashAlgorithms.guava("GUAVA-SHA-256", Hashing.sha256()).newDigester();
      default -> HashAlgorithms.messageDigest(path).newDigester();
    };
    length = SecretSequence.write(70_000, secret);
  }

  @Benchmark
  public byte digest() {
    digester.digest(secret, length, digest);
    length = SecretSequence.increment(secret, length);
    return digest[0];
  }
}
