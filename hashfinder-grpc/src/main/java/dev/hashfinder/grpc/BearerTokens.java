package dev.hashfinder.grpc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.google.common.hash.Hashing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The bearer tokens a {@link HashFinderServer} accepts: a call must carry {@code authorization:
 * Bearer TOKEN} with one of them, or it ends {@code UNAUTHENTICATED} before any search starts.
 *
 * <p>Read from a file, one token a line (blank lines and lines starting with {@code #} are
 * skipped), the file is re-read when it changes, checked at most once a second: rotating a
 * token is adding the new one, moving clients over, then removing the old one, with no restart.
 * A file that becomes unreadable or empty keeps the tokens last read, with a warning. Tokens are
 * compared in constant time, and a token is only ever shown by its fingerprint: the first 8 hex
 * digits of its SHA-256.
 *
 * <p>Thread-safe.
 */
public final class BearerTokens {
  private static final Logger logger = Logger.getLogger(BearerTokens.class.getName());
  private static final Duration RECHECK = Duration.ofSeconds(1);

  private final Path file;
  private final long recheckNanos;
  private volatile List<byte[]> tokens;
  private volatile FileTime readModified;
  private volatile long readSize;
  private volatile long checkedNanos;

  private BearerTokens(Path file, List<byte[]> tokens, Duration recheck) {
    this.file = file;
    this.recheckNanos = recheck.toNanos();
    this.tokens = tokens;
    this.checkedNanos = System.nanoTime();
  }

  /**
   * {@return the tokens in {@code file}, re-read when it changes}
   *
   * @param file one token a line
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if it holds no token
   */
  public static BearerTokens fromFile(Path file) {
    return fromFile(file, RECHECK);
  }

  /** As {@link #fromFile(Path)}, checking the file for changes at most once per {@code recheck}. */
  static BearerTokens fromFile(Path file, Duration recheck) {
    requireNonNull(file, "file");
    BearerTokens tokens = new BearerTokens(file, List.of(), recheck);
    try {
      tokens.reload();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the token file " + file + ": " + e, e);
    }
    return tokens;
  }

  /**
   * {@return a fixed set of tokens}
   *
   * @param tokens at least one token; none blank
   * @throws IllegalArgumentException if there is none, or one is blank
   */
  public static BearerTokens of(String... tokens) {
    List<byte[]> accepted = new ArrayList<>();
    for (String token : tokens) {
      if (token.isBlank()) {
        throw new IllegalArgumentException("a bearer token is blank");
      }
      accepted.add(token.getBytes(UTF_8));
    }
    if (accepted.isEmpty()) {
      throw new IllegalArgumentException("no bearer token given");
    }
    return new BearerTokens(null, List.copyOf(accepted), RECHECK);
  }

  /** {@return how many tokens are accepted now} */
  public int size() {
    refreshIfChanged();
    return tokens.size();
  }

  /**
   * The fingerprint of {@code presented} if it is one of the tokens, compared in constant time.
   *
   * @param presented the token a call carries
   * @return its fingerprint if accepted, else empty
   */
  Optional<String> check(String presented) {
    refreshIfChanged();
    byte[] bytes = presented.getBytes(UTF_8);
    boolean accepted = false;
    for (byte[] token : tokens) {
      accepted |= MessageDigest.isEqual(token, bytes); // no early exit: time tells nothing
    }
    return accepted ? Optional.of(fingerprint(presented)) : Optional.empty();
  }

  /**
   * {@return the first 8 hex digits of the token's SHA-256: how logs name a token}
   *
   * @param token a token
   */
  public static String fingerprint(String token) {
    return Hashing.sha256().hashString(token, UTF_8).toString().substring(0, 8);
  }

  private void refreshIfChanged() {
    long now = System.nanoTime();
    if (file == null || now - checkedNanos < recheckNanos) {
      return;
    }
    synchronized (this) {
      if (now - checkedNanos < recheckNanos) {
        return;
      }
      checkedNanos = now;
      try {
        if (!Files.getLastModifiedTime(file).equals(readModified) || Files.size(file) != readSize) {
          reload();
          logger.info("token file " + file + " re-read: " + tokens.size() + " tokens");
        }
      } catch (IOException | IllegalArgumentException e) {
        logger.log(Level.WARNING, "token file " + file + " not re-read, keeping the "
            + tokens.size() + " tokens read before: " + e.getMessage());
      }
    }
  }

  /**
   * Reads the file; on success takes its tokens. Either way remembers the version read, so
   * that a file left broken is warned about once, not on every call.
   */
  private synchronized void reload() throws IOException {
    FileTime modified = Files.getLastModifiedTime(file);
    long size = Files.size(file);
    readModified = modified;
    readSize = size;
    List<byte[]> read = new ArrayList<>();
    for (String line : Files.readAllLines(file, UTF_8)) {
      String token = line.strip();
      if (!token.isEmpty() && !token.startsWith("#")) {
        read.add(token.getBytes(UTF_8));
      }
    }
    if (read.isEmpty()) {
      throw new IllegalArgumentException("the token file " + file + " holds no token");
    }
    tokens = List.copyOf(read);
  }

  @Override
  public String toString() {
    return "BearerTokens{" + (file != null ? file : "fixed") + ", " + tokens.size() + " tokens}";
  }
}
