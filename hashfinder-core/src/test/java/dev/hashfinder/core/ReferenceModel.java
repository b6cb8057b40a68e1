package dev.hashfinder.core;

import dev.hashfinder.Match;
import dev.hashfinder.Query;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The search of docs/PROTOCOL.md written as plainly as possible, as the reference does it: strings, base64
 * text and a window-by-window count. Slow and obviously right; the engine is checked against it.
 */
public final class ReferenceModel {
  private ReferenceModel() {}

  /** Secrets in search order: by length, then lexicographically, bytes 0..254. */
  public static Iterator<byte[]> secrets() {
    return secretsFrom(0);
  }

  /**
   * Secrets in search order from the one at {@code first}: its length is the first n with
   * 1 + 255 + ... + 255^n > first, its bytes the base-255 digits of what is left, worked out in
   * {@link BigInteger} so that nothing overflows, and independently of the engine's arithmetic.
   */
  public static Iterator<byte[]> secretsFrom(long first) {
    BigInteger radix = BigInteger.valueOf(255);
    BigInteger rest = BigInteger.valueOf(first);
    int length = 0;
    for (BigInteger count = BigInteger.ONE; rest.compareTo(count) >= 0;
        count = count.multiply(radix)) {
      rest = rest.subtract(count);
      length++;
    }
    byte[] start = new byte[length];
    for (int i = length - 1; i >= 0; i--) {
      BigInteger[] divided = rest.divideAndRemainder(radix);
      start[i] = (byte) divided[1].intValue();
      rest = divided[0];
    }
    return new Iterator<>() {
      private byte[] next = start;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public byte[] next() {
        byte[] current = next.clone();
        // Count up in base 255, growing when every digit overflows.
        int[] digits = new int[next.length];
        for (int i = 0; i < next.length; i++) {
          digits[i] = next[i] & 0xff;
        }
        int i = digits.length - 1;
        while (i >= 0 && digits[i] == 254) {
          digits[i] = 0;
          i--;
        }
        if (i < 0) {
          next = new byte[next.length + 1];
        } else {
          digits[i]++;
          next = new byte[digits.length];
          for (int k = 0; k < digits.length; k++) {
            next[k] = (byte) digits[k];
          }
        }
        return current;
      }
    };
  }

  /** The base64 text of the secret's digest. */
  public static String hashText(String algorithm, byte[] secret) {
    try {
      return Base64.getEncoder().encodeToString(
          MessageDigest.getInstance(algorithm).digest(secret));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** The smallest window distance between the text and the target. */
  public static int distance(String text, String target) {
    int[] t = target.codePoints().toArray();
    int best = Integer.MAX_VALUE;
    for (int start = 0; start + t.length <= text.length(); start++) {
      int count = 0;
      for (int j = 0; j < t.length; j++) {
        if (!sameAscii(text.charAt(start + j), t[j])) {
          count++;
        }
      }
      best = Math.min(best, count);
    }
    return best;
  }

  private static boolean sameAscii(int a, int b) {
    if (a >= 128 || b >= 128) {
      return false;
    }
    return Character.toLowerCase(a) == Character.toLowerCase(b);
  }

  /**
   * How many indices a search examines from {@code first} with {@code budget}: the budget, cut at
   * the end of the index space, {@code [first, min(first + budget, Long.MAX_VALUE))}.
   */
  public static long examined(long first, long budget) {
    return BigInteger.valueOf(first).add(BigInteger.valueOf(budget))
        .min(BigInteger.valueOf(Long.MAX_VALUE)).subtract(BigInteger.valueOf(first))
        .longValueExact();
  }

  /**
   * The first secret within the ideal distance among the {@code budget} from the query's first
   * index on (no further than the end of the index space), if any.
   */
  public static Optional<Match> find(Query query, long budget) {
    Iterator<byte[]> secrets = secretsFrom(query.firstIndex());
    long count = examined(query.firstIndex(), budget);
    for (long index = query.firstIndex(); index - query.firstIndex() < count; index++) {
      byte[] secret = secrets.next();
      String text = hashText(query.algorithm(), secret);
      int d = distance(text, query.target());
      if (d <= query.idealDistance()) {
        return Optional.of(new Match(index, secret, text, d));
      }
    }
    return Optional.empty();
  }

  /**
   * The stream of a ranged search over {@code budget} secrets from the query's first index (no
   * further than the end of the index space).
   */
  public static List<Match> findRange(Query query, long budget) {
    List<Match> stream = new ArrayList<>();
    Iterator<byte[]> secrets = secretsFrom(query.firstIndex());
    long count = examined(query.firstIndex(), budget);
    for (long index = query.firstIndex(); index - query.firstIndex() < count; index++) {
      byte[] secret = secrets.next();
      String text = hashText(query.algorithm(), secret);
      int d = distance(text, query.target());
      if (d <= query.idealDistance()) {
        stream.add(new Match(index, secret, text, d));
        return stream;
      }
      if (d <= query.interestingDistance()) {
        stream.add(new Match(index, secret, text, d));
      }
    }
    return stream;
  }

  /** The secret at an index, walking the sequence. */
  public static byte[] secretAt(long index) {
    Iterator<byte[]> secrets = secrets();
    for (long i = 0; i < index; i++) {
      secrets.next();
    }
    if (!secrets.hasNext()) {
      throw new NoSuchElementException();
    }
    return secrets.next();
  }
}
