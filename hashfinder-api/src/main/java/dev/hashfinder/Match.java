package dev.hashfinder;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A secret whose hash text came within a query's distance of its target.
 *
 * <p>Immutable and thread-safe: the secret bytes are copied in and out.
 */
public final class Match {
  private final long index;
  private final byte[] secret;
  private final String hashText;
  private final int distance;

  /**
   * Creates a match.
   *
   * @param index the secret's position in the search order, {@code >= 0}, or {@code -1} when
   *     the match came from a source that does not report it (a remote server)
   * @param secret the secret bytes; copied
   * @param hashText the base64 text of the secret's digest
   * @param distance the smallest window distance between the hash text and the target
   */
  public Match(long index, byte[] secret, String hashText, int distance) {
    if (index < -1) {
      throw new IllegalArgumentException("index < -1: " + index);
    }
    if (distance < 0) {
      throw new IllegalArgumentException("distance < 0: " + distance);
    }
    this.index = index;
    this.secret = Objects.requireNonNull(secret, "secret").clone();
    this.hashText = Objects.requireNonNull(hashText, "hashText");
    this.distance = distance;
  }

  /**
   * {@return the secret's position in the search order, or {@code -1} if its source did not say}
   */
  public long index() {
    return index;
  }

  /** {@return a copy of the secret bytes} */
  public byte[] secret() {
    return secret.clone();
  }

  /** {@return the secret in standard base64, as the wire and the reference client show it} */
  public String secretBase64() {
    return Base64.getEncoder().encodeToString(secret);
  }

  /** {@return the base64 text of the secret's digest} */
  public String hashText() {
    return hashText;
  }

  /** {@return the smallest window distance between the hash text and the target} */
  public int distance() {
    return distance;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Match other
        && index == other.index
        && distance == other.distance
        && Arrays.equals(secret, other.secret)
        && hashText.equals(other.hashText);
  }

  @Override
  public int hashCode() {
    return Objects.hash(index, Arrays.hashCode(secret), hashText, distance);
  }

  @Override
  public String toString() {
    return "Match{index=" + index + ", secret=" + secretBase64() + ", hashText=" + hashText
        + ", distance=" + distance + "}";
  }
}
