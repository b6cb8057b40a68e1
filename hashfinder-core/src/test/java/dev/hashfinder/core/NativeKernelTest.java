package dev.hashfinder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The native kernel against the Java path. A native fault takes the JVM down, so the kernel is
 * compared hit for hit with the JDK's SHA-1 and the Java matcher on random targets, thresholds,
 * starts (across every length boundary) and sizes. Runs where the kernel runs; where this
 * machine could build and run it, it must be in use.
 */
class NativeKernelTest {
  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  /** The first index of each secret length, where the kernel's cursor changes its layout. */
  private static final long[] BOUNDARIES = {1, 256, 65_281, 16_646_656L, 4_244_897_281L,
      1_082_448_806_656L, 276_024_445_697_281L, 70_386_233_652_806_656L};

  @BeforeAll
  static void kernelIsInUseWhereItCanBe() throws Exception {
    boolean built = NativeKernel.class.getResource("linux-x86_64/libhashfinder-kernel.so") != null;
    boolean disabled = "false".equals(System.getProperty(NativeKernel.PROPERTY));
    Path cpuinfo = Path.of("/proc/cpuinfo");
    String flags = Files.isReadable(cpuinfo) ? Files.readString(cpuinfo) : "";
    boolean cpu = flags.contains(" sha_ni") && flags.contains(" avx2") && flags.contains(" sse4_1");
    if (built && !disabled && cpu) {
      assertThat(NativeKernel.status()).as("the kernel was built and the CPU can run it")
          .startsWith("native (SHA-NI");
    }
    assumeThat(NativeKernel.available()).as(NativeKernel.status()).isTrue();
  }

  @Test
  void theKnownAnswerTest_passes() {
    assertThat(NativeKernel.knownAnswerTest()).isNull();
  }

  @Test
  void hits_areTheJavaPathsHits_onRandomQueriesStartsAndSizes() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
    for (int round = 0; round < 400; round++) {
      int length = 1 + random.nextInt(round % 4 == 0 ? 27 : 8);
      String target = randomTarget(random, length);
      // Mostly thresholds that give some hits on short ranges, and some that give none.
      int threshold = random.nextInt(Math.min(length + 2, 6));
      long start = randomStart(random);
      long end = start + 1 + random.nextInt(random.nextBoolean() ? 40 : 3000);

      long[] expected = NativeKernel.javaHits(sha1, target, threshold, start, end);
      long[] actual = NativeKernel.nativeHits(NativeKernel.encode(target, threshold), start, end);

      assertThat(actual).as("seed %d: %s within %d in [%d, %d)", seed, target, threshold, start,
          end).containsExactly(expected);
    }
  }

  @Test
  void aFullHitBuffer_endsTheCallRightAfterItsLastHit() {
    // Every candidate qualifies: one call fills the buffer and stops there.
    byte[] query = NativeKernel.encode("a", 1);
    long[] hits = new long[5];

    int found = NativeKernel.scan(query, 254, 10_000, hits);

    assertThat(found).isEqualTo(5);
    assertThat(hits).containsExactly(254, 255, 256, 257, 258);
  }

  @Test
  void aQueryWithAThresholdAboveItsLength_isRefusedAsMalformed() {
    byte[] query = NativeKernel.encode("aa", 5);
    assertThat(query[194]).as("a threshold beyond the length is written as the length")
        .isEqualTo((byte) 2);
    assertThat(NativeKernel.scan(query, 0, 10, new long[16])).isEqualTo(10);

    query[194] = 3;

    assertThatThrownBy(() -> NativeKernel.scan(query, 0, 10, new long[16]))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("scanSha1: malformed query");
  }

  @Test
  void rangesEndingAtTheTopOfTheIndexSpace_giveTheJavaPathsHits() throws Exception {
    MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
    for (long size = 0; size <= 600; size += size < 10 ? 1 : 97) {
      long start = Long.MAX_VALUE - size;
      for (String target : new String[] {"a", "doc", "Zz9"}) {
        for (int threshold = 0; threshold <= 1; threshold++) {
          assertThat(NativeKernel.nativeHits(NativeKernel.encode(target, threshold), start,
              Long.MAX_VALUE)).as("%s within %d from MAX-%d", target, threshold, size)
              .containsExactly(
                  NativeKernel.javaHits(sha1, target, threshold, start, Long.MAX_VALUE));
        }
      }
      // Every candidate qualifies: the hits are the range itself, up to and without the top.
      assertThat(NativeKernel.nativeHits(NativeKernel.encode("ab", 2), start, Long.MAX_VALUE))
          .containsExactly(java.util.stream.LongStream.range(start, Long.MAX_VALUE).toArray());
    }
  }

  @Test
  void anEmptyRange_findsNothing() {
    long[] hits = {-1};

    assertThat(NativeKernel.scan(NativeKernel.encode("aa", 0), 77, 77, hits)).isZero();
    assertThat(hits).containsExactly(-1);
  }

  @Test
  void targetsWithPaddingOrCharactersNoTextHolds_giveTheJavaPathsHits() throws Exception {
    MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
    // '=' only matches the last character; a space never matches; both in pieces of their own.
    String[] targets = {"=", "a=", "Q=", "ab=", "x y", "+/=", "é"};
    for (String target : targets) {
      int m = target.codePointCount(0, target.length());
      for (int threshold = 0; threshold <= m; threshold++) {
        assertThat(NativeKernel.nativeHits(NativeKernel.encode(target, threshold), 60_000, 67_000))
            .as("%s within %d", target, threshold)
            .containsExactly(NativeKernel.javaHits(sha1, target, threshold, 60_000, 67_000));
      }
    }
  }

  @Test
  void aSearchOnTheKernel_findsTheSpecsAnswers() throws Exception {
    // The test vectors of SPEC.md, through the engine (EngineContractTest runs the rest).
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(2).build()) {
      assertThat(engine.find(new dev.hashfinder.Query("aa", 0, 0, "SHA-1"))
          .get().index()).isEqualTo(101);
      assertThat(engine.find(new dev.hashfinder.Query("doc", 0, 0, "SHA-1"))
          .get().index()).isEqualTo(448);
    }
  }

  @Test
  void encode_turnsTheFilterOff_whereItCannotHelp() {
    assertThat(NativeKernel.encode("ab", 2)[192]).as("threshold >= length").isEqualTo((byte) 1);
    assertThat(NativeKernel.encode("abcdefghijkl", 8)[192]).as("9 pieces").isEqualTo((byte) 1);
    assertThat(NativeKernel.encode("=", 0)[192]).as("only '='").isEqualTo((byte) 1);
    assertThat(NativeKernel.encode("abcdefghijkl", 7)[192]).as("8 pieces").isZero();
    // Pieces "ab" and " cd": the second can never match exactly, so only the first has an anchor.
    byte[] query = NativeKernel.encode("ab cd", 1);
    assertThat(query[192]).isZero();
    int bits = 0;
    for (int code = 0; code < 64; code++) {
      bits |= query[code];
    }
    assertThat(bits).isEqualTo(0b01);
  }

  private static long randomStart(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> random.nextInt(70_000);
      case 1 -> Math.max(0, BOUNDARIES[random.nextInt(BOUNDARIES.length)] - random.nextInt(50));
      case 2 -> random.nextLong() >>> (1 + random.nextInt(40));
      default -> Long.MAX_VALUE - 4_000 - random.nextInt(1000);
    };
  }

  private static String randomTarget(Random random, int length) {
    StringBuilder target = new StringBuilder();
    for (int i = 0; i < length; i++) {
      target.append(random.nextInt(30) == 0 ? '=' : ALPHABET.charAt(random.nextInt(64)));
    }
    return target.toString();
  }

  @Test
  void theStatusSaysWhichPathRuns() {
    assertThat(NativeKernel.status())
        .matches("native \\(SHA-NI, AVX(2|-512), [24] messages at once\\)");
    assertThat(HashFinderEngine.sha1Path()).isEqualTo(NativeKernel.status());
  }

  @Test
  void aFind_examinesExactlyTheCandidatesUpToItsAnswer_onBothPaths() throws Exception {
    dev.hashfinder.Query query = new dev.hashfinder.Query("doc", 0, 0, "SHA-1");
    for (boolean kernel : new boolean[] {true, false}) {
      try (HashFinderEngine engine =
          HashFinderEngine.newBuilder().threads(1).nativeKernel(kernel).build()) {
        assertThat(engine.find(query).get().index()).isEqualTo(448);
        assertThat(engine.hashesExamined()).as("kernel %s", kernel).isEqualTo(449);
      }
    }
  }

  @Test
  void onlyTheJdksSha1_runsOnTheKernel() {
    assertThat(NativeKernel.queryFor(HashAlgorithms.sha1(), "aa", 0)).isNotNull();
    assertThat(NativeKernel.queryFor(HashAlgorithms.messageDigest("SHA-256"), "aa", 0)).isNull();
    assertThat(NativeKernel.queryFor(
        HashAlgorithms.guava("SHA-1", com.google.common.hash.Hashing.sha1()), "aa", 0)).isNull();
  }

  @Test
  void anEngineWithoutTheKernel_givesTheSameAnswers() throws Exception {
    dev.hashfinder.Query query = new dev.hashfinder.Query("grpc", 1, 1, "SHA-1");
    try (HashFinderEngine kernel = HashFinderEngine.newBuilder().build();
        HashFinderEngine java = HashFinderEngine.newBuilder().nativeKernel(false).build()) {
      assertThat(java.find(query).get()).isEqualTo(kernel.find(query).get());
    }
  }
}
