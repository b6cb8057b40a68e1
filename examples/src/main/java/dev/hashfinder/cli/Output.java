package dev.hashfinder.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.hashfinder.Match;
import dev.hashfinder.grpc.proto.HashNameResponse;
import java.io.PrintStream;

/**
 * Prints responses: as the reference client does (its three fields in protobuf text form), or as
 * one JSON object per line. Thread-safe: one response at a time.
 */
final class Output {
  private final PrintStream out;
  private final boolean json;
  private final JsonFormat.Printer jsonPrinter =
      JsonFormat.printer()
          .preservingProtoFieldNames()
          .omittingInsignificantWhitespace()
          .includingDefaultValueFields(); // distance 0 too: readers need not know proto3

  Output(PrintStream out, boolean json) {
    this.out = out;
    this.json = json;
  }

  synchronized void print(Match match) {
    if (json) {
      HashNameResponse.Builder response = HashNameResponse.newBuilder()
          .setSecret(match.secretBase64())
          .setHashedName(match.hashText())
          .setHammingDistance(match.distance());
      if (match.index() >= 0) {
        response.setIndex(match.index());
      }
      try {
        out.println(jsonPrinter.print(response));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    } else {
      out.println("secret: \"" + match.secretBase64() + "\"");
      out.println("hashed_name: \"" + match.hashText() + "\"");
      out.println("hamming_distance: " + match.distance());
    }
    out.flush();
  }
}
