package io.nodemesh.testkit;

import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** A client's response observer that keeps the replies as text and completes when the call ends. */
public final class GrpcReplies implements StreamObserver<byte[]> {
  /** The replies received so far, in order. */
  public final List<String> replies = new CopyOnWriteArrayList<>();

  /** Completes on the server's end of the call; completes exceptionally with its error status. */
  public final CompletableFuture<Void> ended = new CompletableFuture<>();

  /** Options for a call that must end within 20 s (generous: the machine may be loaded). */
  public static io.grpc.CallOptions within20s() {
    return io.grpc.CallOptions.DEFAULT.withDeadlineAfter(20, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Override
  public void onNext(byte[] value) {
    replies.add(GrpcBytes.text(value));
  }

  @Override
  public void onError(Throwable t) {
    ended.completeExceptionally(t);
  }

  @Override
  public void onCompleted() {
    ended.complete(null);
  }
}
