package dev.hashfinder.server;

import dev.hashfinder.HashFinder;
import dev.hashfinder.core.HashFinderContract;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.HashFinderClient;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

/** The contract, through gRPC over a real socket on loopback. */
class NettyContractTest extends HashFinderContract {
  @Override
  protected HashFinder deploy(HashFinderEngine engine) {
    HashFinderServer server = closeLater(HashFinderServer.forPort(0).finder(engine).start());
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", server.port(), InsecureChannelCredentials.create()).build();
    closeLater(channel::shutdownNow);
    return HashFinderClient.create(channel);
  }
}
