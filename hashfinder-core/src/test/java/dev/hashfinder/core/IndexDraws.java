package dev.hashfinder.core;

import com.google.common.math.LongMath;
import dev.hashfinder.ResourceBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Where searches start and how far they may go, drawn at the edges of the index space: the last
 * million indices below {@link Long#MAX_VALUE}, where {@code first + budget} no longer fits in a
 * long, and around the first index of every secret length, where the secret grows a byte. The
 * draws are random but seeded: the seed is in every draw's name, and {@code
 * -Dhashfinder.seed=N} draws the same again.
 */
public final class IndexDraws {
  /** The seed of this run's draws. */
  public static final long SEED = Long.getLong("hashfinder.seed", System.nanoTime());

  /** The digests whose searches are drawn: the kernel's SHA-1 and two that run in Java. */
  private static final List<String> ALGORITHMS = List.of("SHA-1", "SHA-256", "MD5");

  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  private IndexDraws() {}

  /**
   * One search's start, budget and target.
   *
   * @param algorithm the digest
   * @param first the first index
   * @param maxHashes the budget's hashes; {@link Long#MAX_VALUE} for an unlimited budget
   * @param target the name to look for
   */
  public record Draw(String algorithm, long first, long maxHashes, String target) {
    /** {@return the budget the search asks for} */
    public ResourceBudget budget() {
      return maxHashes == Long.MAX_VALUE
          ? ResourceBudget.unlimited() : ResourceBudget.ofHashes(maxHashes);
    }

    /** {@return how many indices the search examines if nothing ends it sooner} */
    public long examined() {
      return ReferenceModel.examined(first, maxHashes);
    }

    @Override
    public String toString() {
      long left = Long.MAX_VALUE - first;
      String from = left < 10_000_000 ? "MAX-" + left : Long.toString(first);
      return algorithm + " \"" + target + "\" from " + from + ", budget "
          + (maxHashes == Long.MAX_VALUE ? "unlimited" : Long.toString(maxHashes))
          + " (seed " + SEED + ")";
    }
  }

  /**
   * Starts in the last million indices with budgets that end before the top, exactly at it and
   * beyond it (an unlimited one too), for a target no search finds there; for each digest, also
   * the start and budget of the first report (100 below the top, a budget of 1,000). The
   * searches examine up to a million indices, most far fewer.
   */
  public static Stream<Draw> nearTheTop() {
    Random random = new Random(SEED);
    List<Draw> draws = new ArrayList<>();
    String unreachable = "hashfinder";
    draws.add(new Draw("SHA-1", Long.MAX_VALUE, 1_000, unreachable)); // nothing left to examine
    draws.add(new Draw("MD5", Long.MAX_VALUE - 1, Long.MAX_VALUE, unreachable));
    for (String algorithm : ALGORITHMS) {
      draws.add(new Draw(algorithm, Long.MAX_VALUE - 100, 1_000, unreachable));
      for (int kind = 0; kind < 4; kind++) {
        // Log-uniform: as many draws within 1,000 of the top, where every block straddles it,
        // as between 100,000 and a million below it.
        long left = (long) Math.exp(random.nextDouble() * Math.log(1_000_000));
        long budget = switch (kind) {
          case 0 -> Long.MAX_VALUE; // unlimited
          case 1 -> LongMath.saturatedAdd(left + 1, (long) (random.nextDouble() * Long.MAX_VALUE));
          case 2 -> left; // exactly to the top
          default -> 1 + (long) (random.nextDouble() * (left - 1)); // ends below the top
        };
        draws.add(new Draw(algorithm, Long.MAX_VALUE - left, Math.max(1, budget), unreachable));
      }
    }
    return draws.stream();
  }

  /**
   * Starts just below the first index of each secret length, and below the top of the index
   * space, with small budgets that cross the boundary or stop short of it, for a short target
   * that a few hundred candidates often hold (within distance 1 more often still).
   */
  public static Stream<Draw> acrossTheLengthBoundaries() {
    Random random = new Random(SEED ^ 0x5DEECE66DL);
    List<Long> boundaries = new ArrayList<>();
    for (long first = 1, count = 255; first > 0 && first < Long.MAX_VALUE; ) {
      boundaries.add(first);
      first = count > Long.MAX_VALUE - first ? Long.MAX_VALUE : first + count;
      count = count > Long.MAX_VALUE / 255 ? Long.MAX_VALUE : count * 255;
      if (first == Long.MAX_VALUE) {
        boundaries.add(first); // the top, where the index space ends
      }
    }
    List<Draw> draws = new ArrayList<>();
    for (int i = 0; i < boundaries.size(); i++) {
      long boundary = boundaries.get(i);
      String algorithm = ALGORITHMS.get(i % ALGORITHMS.size());
      long first = Math.max(0, boundary - random.nextInt(400));
      long budget = boundary == Long.MAX_VALUE && random.nextBoolean()
          ? Long.MAX_VALUE : 1 + random.nextInt(600);
      StringBuilder target = new StringBuilder();
      for (int length = 2 + random.nextInt(2); target.length() < length; ) {
        target.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
      draws.add(new Draw(algorithm, first, budget, target.toString()));
    }
    return draws.stream();
  }
}
