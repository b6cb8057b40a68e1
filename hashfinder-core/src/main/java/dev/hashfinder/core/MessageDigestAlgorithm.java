package dev.hashfinder.core;

import dev.hashfinder.Digester;
import dev.hashfinder.HashAlgorithm;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A JDK {@link MessageDigest} as a {@link HashAlgorithm}. Each digester is a clone of a prototype,
 * as Guava's {@code MessageDigestHashFunction} does, falling back to a fresh lookup for providers
 * whose digests do not clone. Immutable and thread-safe.
 */
final class MessageDigestAlgorithm implements HashAlgorithm {
  private final String name;
  private final MessageDigest prototype;
  private final int digestLength;
  private final boolean supportsClone;
  /** The direct path for this digest, decided once; null: through {@code MessageDigest}. */
  private final @Nullable DirectCompression direct;

  MessageDigestAlgorithm(String name) throws NoSuchAlgorithmException {
    this.prototype = MessageDigest.getInstance(name);
    // Standard names are upper case ("SHA-256"); a lookup may have used any case.
    this.name = prototype.getAlgorithm().toUpperCase(Locale.ROOT);
    this.digestLength = prototype.getDigestLength();
    if (digestLength < 1) {
      // Some providers cannot say; the search needs a fixed length to lay out its buffers.
      throw new NoSuchAlgorithmException(name + " does not state its digest length");
    }
    this.supportsClone = supportsClone(prototype);
    this.direct = DirectCompression.forAlgorithm(this.name).orElse(null);
  }

  /** The JDK's compression function for this digest, where the search may call it directly. */
  Optional<DirectCompression> direct() {
    return Optional.ofNullable(direct);
  }

  private static boolean supportsClone(MessageDigest digest) {
    try {
      Object unused = digest.clone();
      return true;
    } catch (CloneNotSupportedException e) {
      return false;
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int digestLength() {
    return digestLength;
  }

  @Override
  public Digester newDigester() {
    Digester viaMessageDigest = messageDigestDigester();
    // The same digest, a good deal faster, where the JDK lets us call its compression directly.
    return direct == null ? viaMessageDigest : direct.newDigester(viaMessageDigest);
  }

  private Digester messageDigestDigester() {
    MessageDigest digest = newMessageDigest();
    return (input, length, output) -> {
      digest.update(input, 0, length);
      try {
        digest.digest(output, 0, digestLength);
      } catch (DigestException e) {
        throw new IllegalStateException("output shorter than " + digestLength + " bytes", e);
      }
    };
  }

  private MessageDigest newMessageDigest() {
    try {
      if (supportsClone) {
        return (MessageDigest) prototype.clone();
      }
      return MessageDigest.getInstance(name, prototype.getProvider());
    } catch (CloneNotSupportedException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot make another " + name + " digest", e);
    }
  }

  @Override
  public String toString() {
    return "MessageDigest[" + name + "]";
  }
}
