package dev.hashfinder.examples;

import dev.hashfinder.Digester;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.core.HashAlgorithms;
import dev.hashfinder.core.HashFinderEngine;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Plugs a digest of your own into the engine: here SHA-256 of the secret with a salt in front,
 * next to a plain JDK digest and a Guava one.
 */
public final class CustomDigestExample {
  private CustomDigestExample() {}

  /** SHA-256 over a fixed salt followed by the secret. Immutable and thread-safe. */
  static final class SaltedSha256 implements HashAlgorithm {
    private final byte[] salt;

    SaltedSha256(String salt) {
      this.salt = salt.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String name() {
      return "SALTED-SHA-256";
    }

    @Override
    public int digestLength() {
      return 32;
    }

    @Override
    public Digester newDigester() {
      MessageDigest sha256; // one per worker, reused for every candidate
      try {
        sha256 = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      return (input, length, output) -> {
        sha256.update(salt);
        sha256.update(input, 0, length);
        System.arraycopy(sha256.digest(), 0, output, 0, 32);
      };
    }
  }

  public static void main(String[] args) {
    try (HashFinderEngine engine = HashFinderEngine.newBuilder()
        .algorithms(new SaltedSha256("pepper"), HashAlgorithms.messageDigest("MD5"),
            HashAlgorithms.guava("MURMUR3-128", com.google.common.hash.Hashing.murmur3_128()))
        .build()) {
      for (String algorithm : new String[] {"SALTED-SHA-256", "MD5", "MURMUR3-128"}) {
        Match match = engine.find(Query.of("Java", 0).withAlgorithm(algorithm)).join();
        System.out.println(algorithm + ": secret " + match.secretBase64() + " hashes to "
            + match.hashText() + " (index " + match.index() + ")");
      }
    }
  }
}
