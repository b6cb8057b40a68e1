package dev.hashfinder.core;

import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.InvalidQueryException;
import dev.hashfinder.InvalidQueryException.Field;
import dev.hashfinder.Query;
import dev.hashfinder.core.internal.UntrustedText;
import java.util.Optional;
import java.util.SortedSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The rules a query must meet before a digest can search for it, beyond those of its own fields
 * that {@link Query}'s constructor checks: the digest is one the finder offers, the target fits
 * its hash text, and some hash text could bring the target within the ideal distance (docs/PROTOCOL.md:
 * a target character that no hash text holds at the place a window puts it costs a mismatch in
 * every window; a query whose unavoidable mismatches exceed its ideal distance is refused instead
 * of burning its budget). Each rule is stated here once; the edges translate its field names.
 *
 * <p>Stateless.
 */
final class QueryRules {
  private QueryRules() {}

  /**
   * The digest {@code query} names, after checking every rule.
   *
   * @param lookup the finder's digests by name
   * @param available the names it offers, for the message when the name is unknown
   * @throws InvalidQueryException naming the field that breaks a rule
   */
  static HashAlgorithm resolve(Query query, Function<String, Optional<HashAlgorithm>> lookup,
      Supplier<SortedSet<String>> available) {
    HashAlgorithm algorithm = lookup.apply(query.algorithm()).orElseThrow(() ->
        new InvalidQueryException(Field.ALGORITHM, "names an unknown digest \""
            + UntrustedText.quote(query.algorithm()) + "\"; available: "
            + String.join(", ", available.get())));
    checkTarget(query, algorithm.name(), algorithm.digestLength());
    return algorithm;
  }

  /** Checks that some hash text of this digest can bring the target within the ideal distance. */
  private static void checkTarget(Query query, String algorithmName, int digestLength) {
    int textLength = HashText.textLength(digestLength);
    int length = query.targetLength();
    if (length > textLength) {
      throw new InvalidQueryException(Field.TARGET, "has " + length
          + " characters, more than the " + textLength + " of a " + algorithmName + " hash text");
    }
    int[] target = query.target().codePoints().toArray();
    int fewest = Integer.MAX_VALUE;
    int culpritIndex = -1; // in the window with the fewest: the first character that mismatches
    for (int start = 0; start + length <= textLength && fewest > 0; start++) {
      int unavoidable = 0;
      int first = -1;
      for (int j = 0; j < length; j++) {
        if (!canHold(digestLength, start + j, target[j])) {
          unavoidable++;
          first = first < 0 ? j : first;
        }
      }
      if (unavoidable < fewest) {
        fewest = unavoidable;
        culpritIndex = first;
      }
    }
    if (fewest <= query.idealDistance()) {
      return;
    }
    int c = target[culpritIndex];
    boolean nowhere =
        IntStream.range(0, textLength).noneMatch(position -> canHold(digestLength, position, c));
    String culprit = describe(c) + " at index " + culpritIndex
        + (nowhere ? ", which no " + algorithmName + " hash text holds"
            : ", which a " + algorithmName + " hash text holds only where the rest of the target"
                + " cannot fit");
    throw new InvalidQueryException(Field.TARGET, "can never come within distance "
        + query.idealDistance() + ": every window of a " + algorithmName + " hash text "
        + "mismatches it at least " + fewest + (fewest == 1 ? " time" : " times") + "; first "
        + culprit);
  }

  /**
   * Whether some digest puts a character matching code point {@code c} at {@code position} of
   * its hash text. Positions wholly from digest bits hold any of the 64 codes; the last position
   * with digest bits has its low bits zero; the rest are {@code '='} padding.
   */
  private static boolean canHold(int digestLength, int position, int c) {
    int bitsLeft = digestLength * Byte.SIZE - 6 * position;
    if (bitsLeft <= 0) {
      return HashText.matches(c, HashText.PAD);
    }
    int step = 1 << (6 - Math.min(6, bitsLeft)); // codes whose unfilled low bits are zero
    for (int code = 0; code < 64; code += step) {
      if (HashText.matches(c, code)) {
        return true;
      }
    }
    return false;
  }

  /** A code point as a message shows it: {@code 'x'}, {@code ' ' (space)}, {@code U+00E9 'é'}. */
  private static String describe(int c) {
    if (c > ' ' && c < 0x7f) {
      return "'" + (char) c + "'";
    }
    if (c == ' ') {
      return "' ' (space)";
    }
    String code = String.format("U+%04X", c);
    return UntrustedText.printable(c) ? code + " '" + new String(Character.toChars(c)) + "'" : code;
  }
}
