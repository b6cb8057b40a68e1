package dev.hashfinder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.TextFormat;
import dev.hashfinder.Match;
import dev.hashfinder.grpc.proto.HashNameResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputTest {
  @Test
  void textFormat_isWhatProtobufsPrinterPrints_forTheReferencesThreeFields() {
    List<Match> matches = List.of(
        new Match(101, new byte[] {'d'}, "PDY4Ns9OFmZmaaJdooChhlwtKHQ=", 0),
        new Match(0, new byte[0], "2jmj7l5rSw0yVb/vlWAYkK/YBwk=", 3),
        new Match(-1, new byte[] {0, (byte) 254}, "", 0),
        // Not base64: what a lying server may send, escaped as the printer escapes it.
        new Match(7, new byte[] {1}, "quote \" backslash \\ newline \n é \u0001", 27));
    for (Match match : matches) {
      HashNameResponse response = HashNameResponse.newBuilder()
          .setSecret(match.secretBase64())
          .setHashedName(match.hashText())
          .setHammingDistance(match.distance())
          .build();
      assertThat(Output.textFormat(match))
          .isEqualTo(TextFormat.printer().printToString(response));
    }
  }
}
