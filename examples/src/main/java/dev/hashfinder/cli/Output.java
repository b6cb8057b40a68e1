package dev.hashfinder.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.protobuf.TextFormat;
import dev.hashfinder.Match;
import dev.hashfinder.grpc.proto.HashNameResponse;
import java.io.PrintStream;

/**
 * Prints responses: byte for byte as the reference client's {@code print(response)} does (the
 * reference's three fields in protobuf text format, fields holding their default value left out,
 * then an empty line), or as one JSON object per line. Thread-safe: one response at a time.
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
      // Only the reference's fields: index, hashfinder's addition, stays unset and unprinted.
      HashNameResponse response = HashNameResponse.newBuilder()
          .setSecret(match.secretBase64())
          .setHashedName(match.hashText())
          .setHammingDistance(match.distance())
          .build();
      out.println(TextFormat.printer().printToString(response));
    }
    out.flush();
  }
}
