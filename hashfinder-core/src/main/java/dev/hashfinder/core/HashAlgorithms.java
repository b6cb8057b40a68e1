package dev.hashfinder.core;

import static java.util.Objects.requireNonNull;

import com.google.common.hash.HashFunction;
import dev.hashfinder.HashAlgorithm;
import java.security.NoSuchAlgorithmException;
import java.security.Security;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Makes {@link HashAlgorithm}s: the default SHA-1, any digest a JDK security provider offers, a
 * Guava {@link HashFunction}, and those that jars on the classpath add through {@link
 * ServiceLoader}.
 *
 * <p>Thread-safe: every method is a stateless factory.
 */
public final class HashAlgorithms {
  private HashAlgorithms() {}

  /**
   * How this JVM computes SHA-1 or SHA-256 for the search: {@code "direct"} when it calls the
   * JDK's compression function (the SHA-NI intrinsic where the CPU has it) on each single-block
   * secret, which needs {@code --add-opens java.base/sun.security.provider=ALL-UNNAMED};
   * otherwise {@code "MessageDigest"} and the reason, slower but with the same answers. Other
   * digests always go through their {@code MessageDigest}.
   *
   * @return {@code "direct"}, or {@code "MessageDigest"} and the reason
   * @param algorithm {@code "SHA-1"} or {@code "SHA-256"}
   * @throws IllegalArgumentException for another digest
   */
  public static String compressionPath(String algorithm) {
    for (DirectCompression direct : DirectCompression.values()) {
      if (direct.algorithm.equalsIgnoreCase(algorithm)) {
        return direct.describe();
      }
    }
    throw new IllegalArgumentException("no direct path for algorithm: " + algorithm);
  }

  /** {@return SHA-1 from the JDK, the reference service's digest} */
  public static HashAlgorithm sha1() {
    return messageDigest("SHA-1");
  }

  /**
   * The JDK {@link java.security.MessageDigest} with this name, such as {@code "SHA-256"}, {@code
   * "MD5"} or {@code "SHA3-256"}.
   *
   * @param algorithm the name of the digest, such as {@code "SHA-256"}
   * @return the digest
   * @throws IllegalArgumentException if no installed security provider offers it
   */
  public static HashAlgorithm messageDigest(String algorithm) {
    requireNonNull(algorithm, "algorithm");
    try {
      return new MessageDigestAlgorithm(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalArgumentException("no MessageDigest for algorithm: " + algorithm, e);
    }
  }

  /**
   * A Guava hash function, chosen by {@code name}. Guava allocates a {@code HashCode} per hash, so
   * this is slower than a JDK digest of the same algorithm.
   *
   * @param name the name queries use to choose it
   * @param function the Guava hash function
   * @return the digest
   * @throws IllegalArgumentException if the function's bit count is not a whole number of bytes
   */
  public static HashAlgorithm guava(String name, HashFunction function) {
    requireNonNull(name, "name");
    requireNonNull(function, "function");
    return new GuavaHashAlgorithm(name, function);
  }

  /**
   * The digest called {@code name}, ignoring case: first one a jar adds through {@link
   * ServiceLoader}, then one a JDK security provider offers.
   *
   * @param name the name queries use to choose it
   * @return the digest, or empty if none has that name
   */
  public static Optional<HashAlgorithm> lookup(String name) {
    requireNonNull(name, "name");
    for (HashAlgorithm algorithm : ServiceLoader.load(HashAlgorithm.class)) {
      if (algorithm.name().equalsIgnoreCase(name)) {
        return Optional.of(algorithm);
      }
    }
    try {
      return Optional.of(new MessageDigestAlgorithm(name));
    } catch (NoSuchAlgorithmException e) {
      return Optional.empty();
    }
  }

  /** {@return the names {@link #lookup} knows: JDK names and the classpath's, sorted} */
  public static SortedSet<String> availableNames() {
    SortedSet<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (HashAlgorithm algorithm : ServiceLoader.load(HashAlgorithm.class)) {
      names.add(algorithm.name());
    }
    for (String name : Security.getAlgorithms("MessageDigest")) {
      names.add(name.toUpperCase(Locale.ROOT));
    }
    return names;
  }
}
