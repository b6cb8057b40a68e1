package dev.hashfinder.core.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.common.hash.Hashing;
import java.util.ArrayList;
import java.util.List;

/**
 * Not API; may change: the bearer-token file, as the server that accepts its tokens and the
 * client that sends one both read it, and how logs name a token.
 *
 * <p>Stateless and thread-safe.
 */
public final class TokenFiles {
  private TokenFiles() {}

  /**
   * A token in a file.
   *
   * @param line the line it is on, from 1
   * @param token the token, without surrounding white space
   */
  public record Entry(int line, String token) {}

  /**
   * {@return the tokens in a token file's {@code content}, one a line, in order} Surrounding white
   * space is stripped; blank lines and lines starting with {@code #} are skipped. The tokens are
   * not checked.
   *
   * @param content the file's content
   */
  public static List<Entry> entries(String content) {
    List<Entry> entries = new ArrayList<>();
    List<String> lines = content.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String token = lines.get(i).strip();
      if (!token.isEmpty() && !token.startsWith("#")) {
        entries.add(new Entry(i + 1, token));
      }
    }
    return List.copyOf(entries);
  }

  /**
   * {@return the first 8 hex digits of the token's SHA-256: how logs name a token}
   *
   * @param token a token
   */
  public static String fingerprint(String token) {
    return Hashing.sha256().hashString(token, UTF_8).toString().substring(0, 8);
  }
}
