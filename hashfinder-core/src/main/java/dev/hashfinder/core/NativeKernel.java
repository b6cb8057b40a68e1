package dev.hashfinder.core;

import static com.google.common.base.Preconditions.checkArgument;
import static dev.hashfinder.core.HashText.CODES;

import com.google.common.base.Splitter;
import dev.hashfinder.HashAlgorithm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.jspecify.annotations.Nullable;

/**
 * The native scanning kernel ({@code src/main/c}): the digest of a whole range of secrets,
 * several at once (SHA-1 and SHA-256 with the SHA-NI instructions, MD5 and SHA-512 one message
 * per AVX-512 or AVX2 lane), and a first look at each hash text in vector registers. The Java
 * engine keeps the orchestration: chunks, ordering, budgets and cancellation. A call scans one
 * block of a chunk (about a tenth of a millisecond) and returns the indices whose text has a
 * window within the threshold; the engine checks each of them again with its own digest and
 * {@link WindowMatcher} before it counts, so the kernel can never add an answer, only find them
 * faster.
 *
 * <p>The library is built by Maven on linux-x86_64 when a C compiler is present and travels in
 * the jar. A digest runs on it only if the library loads, the CPU has what that digest's copy
 * needs, the copy passes a known-answer test against the JDK's digest and the Java matcher, and
 * it hashes about as fast as the Java path could on this CPU or faster (measured against hashing
 * one message at a time as the JDK does; see {@link Digest#floor}), so that the kernel can make a
 * search faster, never slower. {@code
 * -Dhashfinder.native=false} turns it off; {@code -Dhashfinder.native.without=avx512} (or {@code
 * sha}, {@code avx2}, comma-separated) leaves features of the CPU unused, as a CPU without them
 * would. Otherwise the engine runs its Java path, with the same answers. {@link #describe} says
 * which path a digest takes and why.
 *
 * <p>Thread-safe: the kernel keeps no state between calls; each digest's path is decided once.
 */
final class NativeKernel {
  /** The system property that turns the kernel off when {@code false}. */
  static final String PROPERTY = "hashfinder.native";
  /** The system property naming CPU features the kernel must leave unused. */
  static final String WITHOUT_PROPERTY = "hashfinder.native.without";

  /** The most anchors the kernel's filter holds (a byte of bits); more pieces count every text. */
  static final int MAX_ANCHORS = 8;
  /** The longest anchor: three adjacent characters. */
  static final int ANCHOR_LENGTH = 3;

  /** Bits of {@link #cpuFeatures()}, as kernel.h has them. */
  static final int CPU_SHA = 1;
  static final int CPU_SSE41 = 2;
  static final int CPU_AVX2 = 4;
  static final int CPU_AVX512 = 8;

  private static final int[] ALL_CODES = IntStream.range(0, 64).toArray();
  private static final int HEADER = 195;
  private static final int FLAGS = 192;
  private static final int PASS_ALL = 1;
  private static final String RESOURCE = "linux-x86_64/libhashfinder-kernel.so";

  private static final System.Logger logger = System.getLogger(NativeKernel.class.getName());

  /** The digests the kernel runs, by their JDK names, with kernel.h's numbers for them. */
  enum Digest {
    SHA_1(0, "SHA-1", 20, 4096, 0.5),
    SHA_256(1, "SHA-256", 32, 4096, 0.5),
    MD5(2, "MD5", 16, 8192, 1.0),
    SHA_512(3, "SHA-512", 64, 1024, 1.0);

    /** kernel.h's number for the digest: written out, so that reordering the constants is safe. */
    private final int id;

    /** The JDK's name of the digest. */
    final String algorithm;
    /** The digest's length in bytes. */
    final int length;
    /**
     * Candidates per call: a tenth of a millisecond of hashing or so (SHA-1 and SHA-256 at 20 to
     * 60 M/s, MD5 at 70 to 100, SHA-512 at 13), so that the engine sees its stop signals about as
     * often as on the Java path, while a call's fixed cost (a few microseconds, copying the query
     * in) stays a few percent.
     */
    final int block;
    /**
     * The least the kernel must hash on this CPU, as a share of the digest one message at a time
     * the way the JDK hashes it (SHA-NI alone for SHA-1 and SHA-256, plain C for MD5 and
     * SHA-512): about what the Java path reaches of the same, which was 0.43 to 0.65 for the
     * first two (that reference hashes and does nothing else) and 1.0 to 1.1 for the others.
     */
    final double floor;

    Digest(int id, String algorithm, int length, int block, double floor) {
      this.id = id;
      this.algorithm = algorithm;
      this.length = length;
      this.block = block;
      this.floor = floor;
    }

    int id() {
      return id;
    }

    /** The digest the JDK calls {@code algorithm}, if the kernel runs it. */
    static Optional<Digest> named(String algorithm) {
      for (Digest digest : values()) {
        if (digest.algorithm.equals(algorithm)) {
          return Optional.of(digest);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * How one digest's searches run: on the kernel with these features and its description, or not
   * (no description), and why (the reason).
   */
  private record Decision(int features, @Nullable String description, @Nullable String reason) {
    boolean onKernel() {
      return reason == null;
    }
  }

  /** The library, loaded once: the features it may use, or why it cannot run at all. */
  private static final class Library {
    static final int FEATURES;
    static final @Nullable String FAILURE;

    static {
      int[] features = {0};
      String failure = load(features);
      FEATURES = features[0];
      FAILURE = failure;
    }
  }

  private static final Map<Digest, Decision> DECISIONS = new EnumMap<>(Digest.class);

  private NativeKernel() {}

  /** Whether the library is loaded and usable at all (for tests of copies the CPU runs). */
  static boolean loaded() {
    return Library.FAILURE == null;
  }

  /** The CPU features the kernel may use: the CPU's, less those the system property names. */
  static int features() {
    return Library.FEATURES;
  }

  /** Whether searches with this JDK digest run on the kernel. */
  static boolean runs(Digest digest) {
    return decision(digest).onKernel();
  }

  /**
   * How searches with {@code algorithm} run, for start lines and reports: {@code "native (SHA-NI,
   * 4 messages at once, AVX-512 filter)"} and the like, or {@code "Java (...)"} with how the Java
   * path hashes and why the kernel does not run.
   *
   * @param useKernel whether the engine may use the kernel at all
   */
  static String describe(HashAlgorithm algorithm, boolean useKernel) {
    Digest digest = jdkDigest(algorithm);
    String java = javaPath(algorithm);
    if (digest == null) {
      return "Java (" + java + "; the native kernel runs "
          + (algorithm instanceof MessageDigestAlgorithm
              ? "SHA-1, SHA-256, MD5 and SHA-512" : "only the JDK's digests") + ")";
    }
    if (!useKernel) {
      return "Java (" + java + "; native kernel off for this engine)";
    }
    Decision decision = decision(digest);
    String description = decision.description();
    return description != null ? description
        : "Java (" + java + "; native kernel " + decision.reason() + ")";
  }

  /** How the Java path hashes with {@code algorithm}. */
  private static String javaPath(HashAlgorithm algorithm) {
    if (algorithm instanceof MessageDigestAlgorithm jdk) {
      return jdk.direct().isPresent() ? "direct compression" : "MessageDigest";
    }
    return algorithm.toString();
  }

  /** The kernel's digest for {@code algorithm}: the JDK's digest of that name, else null. */
  private static @Nullable Digest jdkDigest(HashAlgorithm algorithm) {
    return algorithm instanceof MessageDigestAlgorithm jdk
        ? Digest.named(jdk.name()).orElse(null) : null;
  }

  /**
   * The kernel's scan for a search, if the kernel runs its digest: the JDK's digest of one of
   * {@link Digest}'s names (not a digest that merely shares its name), with the kernel loaded and
   * its checks passed.
   *
   * @param threshold the largest distance a hit may have
   * @return the scan, or null: scan in Java
   */
  static @Nullable Scan scanFor(HashAlgorithm algorithm, String target, int threshold) {
    Digest digest = jdkDigest(algorithm);
    if (digest == null || !runs(digest)) {
      return null;
    }
    return new Scan(digest, decision(digest).features(), encode(target, threshold, digest));
  }

  /**
   * A query laid out for one digest's scan on the kernel. Immutable and thread-safe: each call
   * copies the query in.
   */
  static final class Scan {
    private final Digest digest;
    private final int features;
    private final byte[] query;

    Scan(Digest digest, int features, byte[] query) {
      this.digest = digest;
      this.features = features;
      this.query = query.clone();
    }

    /** Candidates per call of {@link #scan}. */
    int block() {
      return digest.block;
    }

    /**
     * Scans the indices {@code [start, end)}, writing each hit's index to {@code hits} in order.
     *
     * @return how many hits it wrote; if that is {@code hits.length} (or 256, the most one call
     *     returns), the scan stopped right after the last of them
     */
    int scan(long start, long end, long[] hits) {
      return scan0(digest.id(), features, query, start, end, hits);
    }
  }

  /**
   * Lays out a query as kernel.h describes it. The filter's anchors follow the pigeonhole
   * principle as {@link AnchorFilter}'s do: the target is cut into {@code threshold + 1} pieces,
   * and a text within the threshold holds one of them exactly, hence that piece's anchor, its
   * rarest run of up to three characters. Pieces that can never match are left out; a piece
   * whose every run needs {@code '='} (not in the filter's lanes), or more pieces than {@link
   * #MAX_ANCHORS}, turn the filter off and every text is counted.
   */
  static byte[] encode(String target, int threshold, Digest digest) {
    int[] codePoints = target.codePoints().toArray();
    int m = codePoints.length;
    int textLength = HashText.textLength(digest.length);
    checkArgument(m >= 1 && m <= textLength && threshold >= 0,
        "target length %s or threshold %s", m, threshold);
    byte[] query = new byte[HEADER + CODES * m];
    int pieces = threshold + 1;
    boolean passAll = threshold >= m || pieces > MAX_ANCHORS;
    for (int i = 0; i < pieces && !passAll; i++) {
      int start = HashText.pieceStart(i, m, pieces);
      int end = HashText.pieceStart(i + 1, m, pieces);
      int[][] codes = AnchorFilter.pieceCodes(codePoints, start, end);
      if (codes == null) {
        continue; // the piece never matches exactly, so no qualifying text needs its anchor
      }
      // Any run of three is rarer than any of two, and that than any one: the longest wins.
      int length = Math.min(ANCHOR_LENGTH, end - start);
      int at = AnchorFilter.rarestRun(codes, length);
      while (at < 0 && length > 1) {
        length--;
        at = AnchorFilter.rarestRun(codes, length);
      }
      if (at < 0) {
        passAll = true; // every run needs '=', which is not in the filter's lanes
        continue;
      }
      for (int k = 0; k < ANCHOR_LENGTH; k++) {
        // An anchor shorter than three needs nothing of the characters after it.
        for (int code : k < length ? codes[at + k] : ALL_CODES) {
          query[64 * k + code] |= (byte) (1 << i);
        }
      }
    }
    if (passAll) {
      query[FLAGS] = PASS_ALL; // the kernel then ignores the tables
    }
    query[FLAGS + 1] = (byte) m;
    query[FLAGS + 2] = (byte) Math.min(threshold, m);
    for (int j = 0; j < m; j++) {
      for (int code = 0; code < CODES; code++) {
        query[HEADER + j * CODES + code] =
            (byte) (HashText.matches(codePoints[j], code) ? 1 : 0);
      }
    }
    return query;
  }

  private static native int cpuFeatures();

  private static native int batch(int digest, int features);

  private static native int scan0(int digest, int features, byte[] query, long start, long end,
      long[] hits);

  private static native void digestOfIndex(int digest, int features, long index, byte[] out);

  private static native long time(int digest, int features, boolean kernel, long count);

  /** The digest's decision, made on first use: its copy, known-answer test and speed check. */
  private static Decision decision(Digest digest) {
    synchronized (DECISIONS) {
      Decision decision = DECISIONS.get(digest);
      if (decision == null) {
        try {
          decision = decide(digest);
        } catch (LinkageError | RuntimeException e) {
          // A library from another build, say, without one of the entry points: not used.
          decision = new Decision(0, null, "failed: " + e);
        }
        DECISIONS.put(digest, decision);
        logger.log(Level.DEBUG, "search path for {0}: {1}", digest.algorithm,
            decision.onKernel() ? decision.description() : "Java (native kernel "
                + decision.reason() + ")");
      }
      return decision;
    }
  }

  private static Decision decide(Digest digest) {
    if (Library.FAILURE != null) {
      return new Decision(0, null, Library.FAILURE);
    }
    int features = Library.FEATURES;
    int batch = batch(digest.id(), features);
    if (batch == 0) {
      return new Decision(0, null, "off: " + lacking(digest, features));
    }
    String failure = knownAnswerTest(digest, features);
    if (failure != null) {
      logger.log(Level.WARNING, "native kernel failed its known-answer test for {0}, not used:"
          + " {1}", digest.algorithm, failure);
      return new Decision(0, null, "failed its known-answer test: " + failure);
    }
    String slow = speedCheck(digest, features);
    if (slow != null) {
      logger.log(Level.WARNING, "native kernel not used for {0}: {1}", digest.algorithm, slow);
      return new Decision(0, null, slow);
    }
    boolean wide = (features & CPU_AVX512) != 0;
    String description = digest == Digest.SHA_1 || digest == Digest.SHA_256
        ? "native (SHA-NI, " + batch + " messages at once, " + (wide ? "AVX-512" : "AVX2")
            + " filter)"
        : "native (" + (wide ? "AVX-512" : "AVX2") + ", " + batch + " lanes at once)";
    return new Decision(features, description, null);
  }

  /** What the CPU (or the system property) withholds from a digest's copies. */
  private static String lacking(Digest digest, int features) {
    String without = System.getProperty(WITHOUT_PROPERTY, "");
    boolean shaNi = digest == Digest.SHA_1 || digest == Digest.SHA_256;
    String needs = shaNi ? "SHA-NI, SSE4.1 and AVX2" : "AVX2";
    int cpu = cpuFeatures();
    int required = shaNi ? CPU_SHA | CPU_SSE41 | CPU_AVX2 : CPU_AVX2;
    return (cpu & required) == required
        ? "-D" + WITHOUT_PROPERTY + "=" + without + " leaves it without " + needs
        : "this CPU lacks " + needs;
  }

  /** Loads the library: null if it may run (features[0] set), else why not. */
  private static @Nullable String load(int[] features) {
    if ("false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"))) {
      return "off: -D" + PROPERTY + "=false";
    }
    int withheld = 0;
    String without = System.getProperty(WITHOUT_PROPERTY, "");
    for (String name : Splitter.on(',').split(without)) {
      switch (name.trim().toLowerCase(Locale.ROOT)) {
        case "" -> { }
        case "avx512" -> withheld |= CPU_AVX512;
        case "avx2" -> withheld |= CPU_AVX2 | CPU_AVX512;
        case "sha" -> withheld |= CPU_SHA;
        default -> {
          return "off: -D" + WITHOUT_PROPERTY + "=" + without
              + " names no feature (avx512, avx2, sha)";
        }
      }
    }
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return "not built for " + os + "-" + arch;
    }
    try (InputStream library = NativeKernel.class.getResourceAsStream(RESOURCE)) {
      if (library == null) {
        return "not in this jar: it was built without a C compiler, or with "
            + "-Dhashfinder.native.skip=true";
      }
      Path file = extract(library);
      try {
        System.load(file.toAbsolutePath().toString());
      } finally {
        // Loaded, the library stays mapped; neither file nor directory need outlive this moment.
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.getParent());
      }
    } catch (IOException | UnsatisfiedLinkError | RuntimeException e) {
      // RuntimeException: also IllegalCallerException, from a JDK that denies native access
      // (--illegal-native-access=deny, or a later JDK's default without --enable-native-access).
      return "did not load: " + e;
    }
    features[0] = cpuFeatures() & ~withheld;
    return null;
  }

  /**
   * Writes the library to a new file in a new directory of the temporary directory, both made
   * with only the owner's permissions (0700 and 0600, whatever the umask): nobody else can read,
   * replace or add to the code the JVM is about to load. The file is created, never replaced, so
   * it never takes the umask's permissions (as a copy that replaces an existing file would).
   *
   * @return the file; the caller deletes it and its directory
   */
  static Path extract(InputStream library) throws IOException {
    Path directory = Files.createTempDirectory("hashfinder-kernel",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path file = directory.resolve("libhashfinder-kernel.so");
    try (OutputStream out = Channels.newOutputStream(Files.newByteChannel(file,
        EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))))) {
      library.transferTo(out);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      Files.deleteIfExists(directory);
      throw e;
    }
    return file;
  }

  /**
   * The kernel's copy for these features against the JDK's digest on secrets of every length,
   * and its hits against the Java matcher's on ranges across the first length boundaries.
   *
   * @return what differs, or null
   */
  static @Nullable String knownAnswerTest(Digest digest, int features) {
    try {
      MessageDigest jdk = MessageDigest.getInstance(digest.algorithm);
      byte[] actual = new byte[digest.length];
      long[] indices = {0, 1, 255, 256, 65_280, 65_281, 16_646_656L, 4_244_897_281L,
          Long.MAX_VALUE};
      for (long index : indices) {
        digestOfIndex(digest.id(), features, index, actual);
        if (!Arrays.equals(actual, jdk.digest(SecretSequence.at(index)))) {
          return digest.algorithm + " of index " + index;
        }
      }
      // Short ranges across the first length boundaries: enough for hits of the short targets,
      // few enough that a cold JVM checks them in milliseconds.
      String[] targets = {"aa", "doc", "PDY4Ns9OFmZmaaJdoo", "a+/9"};
      long[][] ranges = {{200, 320}, {65_220, 65_340}};
      for (long[] range : ranges) {
        byte[][] digests = jdkDigests(jdk, range[0], range[1]);
        for (String target : targets) {
          for (int threshold = 0; threshold <= 2; threshold++) {
            long[] expected = javaHits(digests, range[0], target, threshold, digest);
            long[] hits = nativeHits(
                new Scan(digest, features, encode(target, threshold, digest)), range[0],
                range[1]);
            if (!Arrays.equals(expected, hits)) {
              return "hits of " + target + " within " + threshold + " in [" + range[0] + ", "
                  + range[1] + "): " + Arrays.toString(hits) + ", expected "
                  + Arrays.toString(expected);
            }
          }
        }
      }
      return null;
    } catch (NoSuchAlgorithmException | RuntimeException e) {
      return e.toString();
    }
  }

  /**
   * Whether the kernel reaches its {@link Digest#floor} on this CPU, in thread CPU time (so that
   * other work on the machine does not count): null if it does, else why not. Best of three
   * each, a few milliseconds in all.
   */
  private static @Nullable String speedCheck(Digest digest, int features) {
    long kernelCount = digest == Digest.SHA_512 ? 8_000 : 32_000;
    long referenceCount = kernelCount / 4;
    long kernelNanos = Long.MAX_VALUE;
    long referenceNanos = Long.MAX_VALUE;
    for (int run = 0; run < 3; run++) {
      kernelNanos = Math.min(kernelNanos, time(digest.id(), features, true, kernelCount));
      referenceNanos = Math.min(referenceNanos, time(digest.id(), features, false,
          referenceCount));
    }
    return compareSpeeds(kernelCount * 1e9 / Math.max(1, kernelNanos),
        referenceCount * 1e9 / Math.max(1, referenceNanos), digest.floor);
  }

  /** The speed check's rule on the two rates (candidates a second): null, or why not. */
  static @Nullable String compareSpeeds(double kernelRate, double referenceRate, double floor) {
    if (kernelRate >= floor * referenceRate) {
      return null;
    }
    return String.format(Locale.ROOT, "slower than expected on this CPU: %.2f M candidates/s,"
        + " one message at a time %.2f M/s", kernelRate / 1e6, referenceRate / 1e6);
  }

  /** The JDK's digests of {@code [start, end)}, each padded as {@link AnchorFilter#pack} reads. */
  static byte[][] jdkDigests(MessageDigest jdk, long start, long end) {
    byte[][] digests = new byte[(int) (end - start)][];
    for (long index = start; index < end; index++) {
      byte[] padded = new byte[AnchorFilter.paddedLength(jdk.getDigestLength())];
      System.arraycopy(jdk.digest(SecretSequence.at(index)), 0, padded, 0,
          jdk.getDigestLength());
      digests[(int) (index - start)] = padded;
    }
    return digests;
  }

  /** Every hit in {@code [start, end)}, through the kernel. */
  static long[] nativeHits(Scan scan, long start, long end) {
    long[] buffer = new long[64];
    LongStream.Builder all = LongStream.builder();
    long at = start;
    while (at < end) {
      int found = scan.scan(at, end, buffer);
      for (int i = 0; i < found; i++) {
        all.add(buffer[i]);
      }
      at = found == buffer.length ? buffer[found - 1] + 1 : end;
    }
    return all.build().toArray();
  }

  /** Every hit among the digests of {@code [start, start + digests.length)}, through Java. */
  static long[] javaHits(byte[][] digests, long start, String target, int threshold,
      Digest digest) {
    WindowMatcher matcher = new WindowMatcher(target, threshold, digest.length);
    byte[] codes = new byte[matcher.textLength()];
    LongStream.Builder hits = LongStream.builder();
    for (int i = 0; i < digests.length; i++) {
      matcher.decode(digests[i], codes);
      if (matcher.within(codes)) {
        hits.add(start + i);
      }
    }
    return hits.build().toArray();
  }
}
