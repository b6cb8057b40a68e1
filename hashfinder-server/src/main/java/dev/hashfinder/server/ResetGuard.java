package dev.hashfinder.server;

import dev.hashfinder.core.internal.Formats;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelPromise;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import io.grpc.netty.shaded.io.netty.util.concurrent.Future;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The rapid-reset rule of a networked server (CVE-2023-44487), as Envoy counts it: a stream its
 * client resets within {@code premature-reset-time} of opening it was reset prematurely, before
 * the server could answer anything; a connection whose premature resets reach {@code
 * max-premature-resets} while they are at least half of its streams is ended with {@code GOAWAY
 * ENHANCE_YOUR_CALM}. Cancelling is what this service is for, so the rule counts what a flood
 * does and a canceller does not: a canceller's calls have started when it cancels them, however
 * many it cancels a second.
 *
 * <p>grpc-java's public API sees each stream ({@link ServerStreamTracer}: made on its
 * connection's event loop as its HEADERS are read, told how it closed) but not which connection
 * a stream is on until its call starts, which a stream reset in the same read never does; and it
 * offers no way to end one connection. So the server's event loops are this class's own: the
 * worker group gives each accepted connection its tally, and a first handler in its pipeline
 * names that tally to the tracers made while the connection's bytes are read. The rule ends a
 * connection as Netty's own {@code maxRstFramesPerWindow} does, with a connection error raised
 * in its pipeline. Streams the accounting cannot see (of a method the server does not have:
 * refused at once, cheaply) are left to that per-window limit, kept as a ceiling no client that
 * lets its calls start reaches.
 *
 * <p>Thread-safe.
 */
final class ResetGuard {
  private static final Logger logger = Logger.getLogger(ResetGuard.class.getName());

  private final long prematureNanos;
  private final int maxPremature;
  /**
   * The tally of the connection whose bytes this event loop thread is reading; else null. Static:
   * each guard's event loops are its own threads, and a read puts back what it found there.
   */
  private static final ThreadLocal<PrematureResets> reading = new ThreadLocal<>();
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Class<? extends ServerChannel> channelType;

  @SuppressWarnings("deprecation") // the constructors both Netty 4.1 and 4.2 have
  ResetGuard(ServerLimits limits) {
    this.prematureNanos = limits.prematureResetTime().toNanos();
    this.maxPremature = limits.maxPrematureResets();
    // As grpc-java's defaults: one thread accepts, twice the cores serve connections.
    int threads = 2 * Runtime.getRuntime().availableProcessors();
    if (Epoll.isAvailable()) {
      boss = new EpollEventLoopGroup(1, new DefaultThreadFactory("hashfinder-accept", true));
      workers = new EpollEventLoopGroup(threads, new DefaultThreadFactory("hashfinder-io", true));
      channelType = EpollServerSocketChannel.class;
    } else {
      boss = new NioEventLoopGroup(1, new DefaultThreadFactory("hashfinder-accept", true));
      workers = new NioEventLoopGroup(threads, new DefaultThreadFactory("hashfinder-io", true));
      channelType = NioServerSocketChannel.class;
    }
  }

  /** Runs the server's connections on this guard's event loops and counts their streams. */
  NettyServerBuilder install(NettyServerBuilder netty) {
    return netty.bossEventLoopGroup(boss)
        .workerEventLoopGroup(new RecordingGroup())
        .channelType(channelType)
        .addStreamTracerFactory(new StreamTracers());
  }

  /** Stops the event loops; after the server has terminated. */
  void shutdown() {
    stop(boss);
    stop(workers);
  }

  /** Stops an event loop group at once; a group that fails to stop says so in the log. */
  // addListener returns the future it is called on, whose failure the listener logs. Error Prone
  // knows that of Netty's futures, but not under the package name gRPC shades Netty into.
  @SuppressWarnings("FutureReturnValueIgnored")
  private static void stop(EventLoopGroup group) {
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS).addListener(stopped -> {
      if (!stopped.isSuccess()) {
        logger.log(Level.WARNING, "an event loop group did not stop", stopped.cause());
      }
    });
  }

  /**
   * Ends a connection as Netty ends one for a protocol violation: GOAWAY, then close. Called on
   * its event loop while it decodes a read: reading stops at once, so that what was read already
   * is all the flood gets decoded, and the connection error is raised once the read is done.
   */
  private static void end(Channel channel, PrematureResets resets) {
    logger.fine(() -> "connection from " + Formats.address(channel.remoteAddress())
        + " ended with ENHANCE_YOUR_CALM: " + resets);
    channel.config().setAutoRead(false);
    channel.eventLoop().execute(() -> channel.pipeline().fireExceptionCaught(
        Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM,
            "too_many_premature_resets")));
  }

  private final class StreamTracers extends ServerStreamTracer.Factory {
    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName,
        io.grpc.Metadata headers) {
      return new StreamTracer();
    }
  }

  /**
   * Times one stream from its HEADERS to its end, both seen on its connection's event loop, and
   * counts it against that connection.
   */
  private final class StreamTracer extends ServerStreamTracer {
    private final long opened = System.nanoTime();
    private final PrematureResets connection = reading.get();

    @Override
    public void streamClosed(Status status) {
      if (connection != null) {
        connection.streamEnded(status.getCode() == Status.Code.CANCELLED
            && System.nanoTime() - opened < prematureNanos);
      }
    }
  }

  /**
   * Names a connection's tally to the stream tracers made while its bytes are read: the first
   * handler of its pipeline, so that every frame decoded from them, TLS or not, is read inside.
   */
  private static final class Reading extends ChannelInboundHandlerAdapter {
    private final PrematureResets resets;

    Reading(PrematureResets resets) {
      this.resets = resets;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
      PrematureResets outer = reading.get();
      reading.set(resets);
      try {
        context.fireChannelRead(message);
      } finally {
        reading.set(outer);
      }
    }
  }

  /**
   * The worker event loops, giving each channel registered on them (each accepted connection)
   * its tally before its first read.
   */
  private final class RecordingGroup extends AbstractEventExecutorGroup implements EventLoopGroup {
    private void record(Channel channel) {
      PrematureResets[] resets = new PrematureResets[1];
      resets[0] = new PrematureResets(maxPremature, () -> end(channel, resets[0]));
      channel.pipeline().addFirst(new Reading(resets[0]));
    }

    @Override
    public EventLoop next() {
      return workers.next();
    }

    @Override
    public ChannelFuture register(Channel channel) {
      record(channel);
      return workers.register(channel);
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
      record(promise.channel());
      return workers.register(promise);
    }

    @Override
    @Deprecated
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
      record(channel);
      return workers.register(promise);
    }

    @Override
    public boolean isShuttingDown() {
      return workers.isShuttingDown();
    }

    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
      return workers.shutdownGracefully(quietPeriod, timeout, unit);
    }

    @Override
    public Future<?> terminationFuture() {
      return workers.terminationFuture();
    }

    @Override
    @Deprecated
    public void shutdown() {
      stop(workers);
    }

    @Override
    public Iterator<EventExecutor> iterator() {
      return workers.iterator();
    }

    @Override
    public boolean isShutdown() {
      return workers.isShutdown();
    }

    @Override
    public boolean isTerminated() {
      return workers.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      return workers.awaitTermination(timeout, unit);
    }
  }
}
