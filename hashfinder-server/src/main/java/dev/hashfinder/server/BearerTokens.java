package dev.hashfinder.server;

import static com.google.common.base.Preconditions.checkArgument;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.google.common.hash.HashCode;
import com.google.common.hash.Hashing;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.hashfinder.core.internal.TokenFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The bearer tokens a {@link HashFinderServer} accepts: a call must carry {@code authorization:
 * Bearer TOKEN} with one of them, or it ends {@code UNAUTHENTICATED} before any search starts.
 *
 * <p>A token is at least {@value #MIN_LENGTH} characters of visible ASCII ({@code !} to {@code
 * ~}): a shorter one could be guessed, and one with spaces or other characters could not travel
 * in a header. A token that breaks the rule is refused with a message that names its line in the
 * file (or its position among fixed tokens), never the token.
 *
 * <p>Read from a file, one token a line (blank lines and lines starting with {@code #} are
 * skipped). A background thread reads the file again once a second and takes its tokens when its
 * content changed (by its SHA-256, not its time or size): rotating a token is adding the new one,
 * moving clients over, then removing the old one, with no restart. Calls never read the file. A
 * file that becomes unreadable, empty or holds a token that breaks the rule keeps the tokens last
 * read, with one warning. Tokens are compared in constant time, and a token is only ever shown by
 * its fingerprint: the first 8 hex digits of its SHA-256.
 *
 * <p>Thread-safe.
 */
public final class BearerTokens {
  /** The fewest characters a token may have. */
  public static final int MIN_LENGTH = 16;

  private static final Logger logger = Logger.getLogger(BearerTokens.class.getName());
  private static final Duration RECHECK = Duration.ofSeconds(1);
  /** Re-reads every token file in use; its thread ends 10 s after the last one is dropped. */
  private static final ScheduledThreadPoolExecutor RECHECKS = rechecks();

  private final @Nullable Path file; // null for fixed tokens
  private volatile List<byte[]> tokens;
  private @Nullable HashCode readContent; // guarded by this: the content last read, taken or not
  private @Nullable String lastProblem; // guarded by this: the last warning, so it is given once

  private BearerTokens(@Nullable Path file, List<byte[]> tokens) {
    this.file = file;
    this.tokens = tokens;
  }

  private static ScheduledThreadPoolExecutor rechecks() {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
        new ThreadFactoryBuilder().setNameFormat("hashfinder-token-file").setDaemon(true).build());
    executor.setRemoveOnCancelPolicy(true);
    executor.setKeepAliveTime(10, TimeUnit.SECONDS);
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }

  /**
   * {@return the tokens in {@code file}, re-read when its content changes}
   *
   * @param file one token a line
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if it holds no token, or a token that breaks the rule
   */
  public static BearerTokens fromFile(Path file) {
    return fromFile(file, RECHECK);
  }

  /**
   * As {@link #fromFile(Path)}, reading the file again every {@code recheck}, or never for null
   * (a test then calls {@link #refresh()}).
   */
  static BearerTokens fromFile(Path file, Duration recheck) {
    requireNonNull(file, "file");
    BearerTokens tokens = new BearerTokens(file, List.of());
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the token file " + file + ": " + e, e);
    }
    tokens.tokens = parse(file, content);
    tokens.readContent = Hashing.sha256().hashBytes(content);
    if (recheck != null) {
      Recheck task = new Recheck(tokens);
      task.schedule = RECHECKS.scheduleWithFixedDelay(
          task, recheck.toNanos(), recheck.toNanos(), TimeUnit.NANOSECONDS);
    }
    return tokens;
  }

  /**
   * {@return a fixed set of tokens}
   *
   * @param tokens at least one token
   * @throws IllegalArgumentException if there is none, or one breaks the rule
   */
  public static BearerTokens of(String... tokens) {
    List<byte[]> accepted = new ArrayList<>();
    for (int i = 0; i < tokens.length; i++) {
      check(requireNonNull(tokens[i], "token"),
          "bearer token " + (i + 1) + " of " + tokens.length);
      accepted.add(tokens[i].getBytes(UTF_8));
    }
    checkArgument(!accepted.isEmpty(), "no bearer token given");
    return new BearerTokens(null, List.copyOf(accepted));
  }

  /** {@return how many tokens are accepted now} */
  public int size() {
    return tokens.size();
  }

  /**
   * The fingerprint of {@code presented} if it is one of the tokens, compared in constant time.
   * Reads nothing but memory.
   *
   * @param presented the token a call carries
   * @return its fingerprint if accepted, else empty
   */
  Optional<String> check(String presented) {
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
    return TokenFiles.fingerprint(token);
  }

  /**
   * Reads the file and takes its tokens if its content changed and they are all valid; else keeps
   * the tokens it has, with one warning per problem. Run by the background thread.
   */
  synchronized void refresh() {
    Path file = requireNonNull(this.file, "only a token file is read again");
    try {
      byte[] content = Files.readAllBytes(file);
      HashCode read = Hashing.sha256().hashBytes(content);
      if (read.equals(readContent)) {
        return;
      }
      readContent = read; // a broken version is warned about once, not every second
      tokens = parse(file, content);
      lastProblem = null;
      logger.info("token file " + file + " re-read: " + tokens.size() + " tokens");
    } catch (IOException | RuntimeException e) {
      String problem = "token file " + file + " not re-read, keeping the " + tokens.size()
          + " tokens read before: "
          + (e instanceof IllegalArgumentException ? e.getMessage() : e.toString());
      if (!problem.equals(lastProblem)) {
        lastProblem = problem;
        logger.log(Level.WARNING, problem);
      }
    }
  }

  /** The tokens in a file's content, each checked. */
  private static List<byte[]> parse(Path file, byte[] content) {
    List<byte[]> read = new ArrayList<>();
    for (TokenFiles.Entry entry : TokenFiles.entries(new String(content, UTF_8))) {
      check(entry.token(), "the token file " + file + ", line " + entry.line());
      read.add(entry.token().getBytes(UTF_8));
    }
    checkArgument(!read.isEmpty(), "the token file %s holds no token", file);
    return List.copyOf(read);
  }

  /** Checks the rule for a token, naming where it is and never what it is. */
  private static void check(String token, String where) {
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      checkArgument(c >= '!' && c <= '~',
          "%s: a character other than visible ASCII, at column %s", where, i + 1);
    }
    checkArgument(token.length() >= MIN_LENGTH,
        "%s: %s characters, fewer than the %s a token needs", where, token.length(), MIN_LENGTH);
  }

  /** Re-reads a token file while its tokens are in use; cancels itself once they are not. */
  private static final class Recheck implements Runnable {
    private final WeakReference<BearerTokens> tokens;
    volatile @Nullable ScheduledFuture<?> schedule;

    Recheck(BearerTokens tokens) {
      this.tokens = new WeakReference<>(tokens);
    }

    @Override
    public void run() {
      BearerTokens live = tokens.get();
      if (live != null) {
        live.refresh();
      } else if (schedule != null) {
        schedule.cancel(false);
      }
    }
  }

  @Override
  public String toString() {
    return "BearerTokens{" + (file != null ? file : "fixed") + ", " + tokens.size() + " tokens}";
  }
}
