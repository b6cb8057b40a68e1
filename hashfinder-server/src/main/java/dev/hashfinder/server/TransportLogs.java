package dev.hashfinder.server;

import io.grpc.Status;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Demotes to {@code FINE} the transport warnings that report expected events, each logged by
 * Netty with a stack trace: {@code "Stream closed before write could take place"} whenever a
 * client goes away while its response is being written (a cancelled stream, a killed process),
 * and {@code "Exception processing message"} for a request refused as larger than the limit,
 * which a hostile client could otherwise turn into a flood of stack traces. Every other record
 * of those loggers passes unchanged, and a filter the application set on them itself is left
 * alone. Thread-safe.
 */
final class TransportLogs {
  private static final String EXPECTED = "Stream closed before write could take place";

  /** Held so that the filters stay: the JDK keeps loggers only weakly. */
  private static final List<Logger> LOGGERS = List.of(
      Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler"),
      Logger.getLogger("io.grpc.netty.NettyServerHandler"),
      Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream"),
      Logger.getLogger("io.grpc.netty.NettyServerStream"));

  private TransportLogs() {}

  /** Installs the filter on the Netty server handler's loggers, once. */
  static synchronized void quietExpectedStreamErrors() {
    for (Logger logger : LOGGERS) {
      if (logger.getFilter() == null) {
        logger.setFilter(TransportLogs::demote);
      }
    }
  }

  /** The filter: an expected stream error goes on at FINE, without its stack trace. */
  static boolean demote(LogRecord record) {
    Throwable thrown = record.getThrown();
    if (record.getLevel().intValue() < Level.WARNING.intValue() || thrown == null) {
      return true;
    }
    if (EXPECTED.equals(thrown.getMessage())) {
      record.setMessage("client went away before its response was written: " + EXPECTED);
    } else if (Status.fromThrowable(thrown).getCode() == Status.Code.RESOURCE_EXHAUSTED) {
      record.setMessage("request refused: " + Status.fromThrowable(thrown).getDescription());
    } else {
      return true;
    }
    record.setLevel(Level.FINE);
    record.setThrown(null);
    return Logger.getLogger(record.getLoggerName()).isLoggable(Level.FINE);
  }
}
