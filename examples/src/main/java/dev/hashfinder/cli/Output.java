package dev.hashfinder.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import dev.hashfinder.Match;
import java.io.PrintStream;

/**
 * Prints responses: byte for byte as the reference client's {@code print(response)} does (the
 * reference's three fields in protobuf text format, fields holding their default value left out,
 * then an empty line), or as one JSON object per line. Thread-safe: one response at a time.
 *
 * <p>The text format is written field by field, as {@code TextFormat.printer()} writes a message
 * with these three fields (its own escaping for the strings): the printer would first build the
 * message's descriptors, hundreds of classes and a tenth of a second of a short run's start-up.
 */
final class Output {
  /** Made only for --json: Gson's adapters are a start-up cost the text format need not pay. */
  static final class Json {
    /** '=' stays '=': base64 is not HTML. */
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
  }

  private final PrintStream out;
  private final boolean json;

  Output(PrintStream out, boolean json) {
    this.out = out;
    this.json = json;
  }

  synchronized void print(Match match) {
    if (json) {
      JsonObject response = new JsonObject();
      response.addProperty("secret", match.secretBase64());
      response.addProperty("hashed_name", match.hashText());
      response.addProperty("hamming_distance", match.distance());
      if (match.index() >= 0) {
        response.addProperty("index", match.index());
      }
      out.println(Json.GSON.toJson(response));
    } else {
      out.println(textFormat(match));
    }
    out.flush();
  }

  /**
   * The reference's three fields of HashNameResponse as protobuf's text format prints them: by
   * field number, one a line, a field holding its default value ("" or 0) left out. Index,
   * hashfinder's addition, stays unprinted.
   */
  static String textFormat(Match match) {
    StringBuilder text = new StringBuilder();
    stringField(text, "secret", match.secretBase64());
    stringField(text, "hashed_name", match.hashText());
    if (match.distance() != 0) {
      text.append("hamming_distance: ").append(match.distance()).append('\n');
    }
    return text.toString();
  }

  private static void stringField(StringBuilder text, String name, String value) {
    if (!value.isEmpty()) {
      text.append(name).append(": \"")
          .append(TextFormat.escapeBytes(ByteString.copyFromUtf8(value))).append("\"\n");
    }
  }
}
