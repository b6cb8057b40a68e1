package dev.hashfinder.core.internal;

/**
 * Not API; may change: shared by hashfinder's modules. Text that someone else wrote (a request's
 * target or digest name, a peer's certificate name, a remote server's status message), made fit
 * for a log line, a message or a terminal: whatever could end the line, move the cursor or
 * reorder what is shown is written as an escape instead, so such text can neither forge a line
 * nor hide part of one.
 *
 * <p>Escaped: newline, carriage return and tab ({@code \n}, {@code \r}, {@code \t}), every
 * other control character, Unicode format characters (bidirectional overrides, zero-width
 * characters), line and paragraph separators, and unpaired surrogates, each as {@code
 * \}{@code uXXXX}. Everything else, letters of any script included, is kept. {@link #quote}, for
 * a value set between double quotes, escapes the backslash and the double quote as well, so that
 * the value can neither close its quotation early nor read as another value.
 *
 * <p>Stateless and thread-safe.
 */
public final class UntrustedText {
  /** The most code points of someone else's text that {@link #quote} repeats. */
  public static final int QUOTE_LIMIT = 64;

  private UntrustedText() {}

  /**
   * {@return {@code text} as a value between double quotes shows it: escaped, backslash and
   * double quote included, and cut to {@value #QUOTE_LIMIT} code points with {@code "..."} in
   * place of the rest} For a name repeated in a log line or a message.
   *
   * @param text the text as it was received
   */
  public static String quote(String text) {
    if (text.codePointCount(0, text.length()) <= QUOTE_LIMIT) {
      return escape(text, true);
    }
    return escape(text.substring(0, text.offsetByCodePoints(0, QUOTE_LIMIT - 3)), true) + "...";
  }

  /**
   * {@return {@code text} on one line: escaped, whole, its quotes and backslashes as they are}
   * For a message that is itself the point, such as the status a remote server ended a call with.
   *
   * @param text the text as it was received
   */
  public static String escape(String text) {
    return escape(text, false);
  }

  private static String escape(String text, boolean quoted) {
    if (text.codePoints().allMatch(c -> printable(c) && !(quoted && (c == '\\' || c == '"')))) {
      return text;
    }
    StringBuilder escaped = new StringBuilder(text.length() + 16);
    text.codePoints().forEach(c -> {
      if (quoted && (c == '\\' || c == '"')) {
        escaped.append('\\').appendCodePoint(c);
      } else if (c == '\n') {
        escaped.append("\\n");
      } else if (c == '\r') {
        escaped.append("\\r");
      } else if (c == '\t') {
        escaped.append("\\t");
      } else if (printable(c)) {
        escaped.appendCodePoint(c);
      } else {
        for (char unit : Character.toChars(c)) {
          escaped.append(String.format("\\u%04X", (int) unit));
        }
      }
    });
    return escaped.toString();
  }

  /**
   * {@return whether a code point may stand as itself in a line of text meant for people}
   *
   * @param c the code point
   */
  public static boolean printable(int c) {
    if (Character.isISOControl(c)) {
      return false;
    }
    return switch (Character.getType(c)) {
      case Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
          Character.SURROGATE -> false;
      default -> true;
    };
  }
}
