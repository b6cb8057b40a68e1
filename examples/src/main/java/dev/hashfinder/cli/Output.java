package dev.hashfinder.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.hashfinder.Match;
import java.io.PrintStream;

/**
 * Prints responses: as the reference client does (its three fields in protobuf text form), or as
 * one JSON object per line. Thread-safe: one response at a time.
 */
final class Output {
  /** '=' stays '=': base64 is not HTML. */
  static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

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
      out.println(GSON.toJson(response));
    } else {
      out.println("secret: \"" + match.secretBase64() + "\"");
      out.println("hashed_name: \"" + match.hashText() + "\"");
      out.println("hamming_distance: " + match.distance());
    }
    out.flush();
  }
}
