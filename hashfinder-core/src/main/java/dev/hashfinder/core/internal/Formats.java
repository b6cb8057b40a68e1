package dev.hashfinder.core.internal;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * Not API; may change: how hashfinder's modules write a duration or an address in a message or a
 * log line, so that every module writes them the same way.
 *
 * <p>Stateless and thread-safe.
 */
public final class Formats {
  private Formats() {}

  /**
   * {@return a duration as the command line writes it: {@code 10s}, {@code 10m}, {@code 1500ms}}
   *
   * @param duration the duration, whole milliseconds
   */
  public static String duration(Duration duration) {
    long millis = duration.toMillis();
    if (millis % 60_000 == 0) {
      return millis / 60_000 + "m";
    }
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  /**
   * {@return an address as a target names it: {@code 127.0.0.1:50051}, {@code [::1]:50051}; any
   * other address (an in-process one, or null) as its {@code toString}}
   *
   * @param address the address; may be null
   */
  public static String address(SocketAddress address) {
    if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return HostAndPort.fromParts(InetAddresses.toAddrString(inet.getAddress()), inet.getPort())
          .toString();
    }
    return String.valueOf(address);
  }
}
