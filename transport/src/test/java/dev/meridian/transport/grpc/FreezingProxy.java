package dev.meridian.transport.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 that forwards bytes both ways until told to freeze its connections:
 * a frozen connection forwards nothing more, in either direction, and stays open, as a TCP
 * connection does through a partition that drops packets (no reset, no FIN, only silence).
 * Connections accepted after a freeze forward normally, so a peer that dials again gets through.
 */
final class FreezingProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Link> links = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private final Thread acceptor;
  private volatile boolean closed;

  /** One proxied connection: the two sockets and whether bytes may still pass. */
  private static final class Link {
    final Socket client;
    final Socket upstream;
    volatile boolean frozen;

    Link(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }
  }

  FreezingProxy(int targetPort) throws IOException {
    this.target = new InetSocketAddress("127.0.0.1", targetPort);
    this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    this.acceptor = new Thread(this::acceptLoop, "freezing-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The address to dial instead of the target. */
  String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** Connections accepted so far. */
  int accepted() {
    return accepted.get();
  }

  /** Stops every connection open now from forwarding anything, for good, without closing it. */
  void freezeExisting() {
    for (Link l : links) {
      l.frozen = true;
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      accepted.incrementAndGet();
      try {
        Socket upstream = new Socket(target.getAddress(), target.getPort());
        Link link = new Link(client, upstream);
        links.add(link);
        pump(link, client, upstream, "up");
        pump(link, upstream, client, "down");
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private void pump(Link link, Socket from, Socket to, String direction) throws IOException {
    InputStream in = from.getInputStream();
    OutputStream out = to.getOutputStream();
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 << 10];
      try {
        int n;
        while ((n = in.read(buf)) >= 0 && !link.frozen) {
          out.write(buf, 0, n);
          out.flush();
        }
        if (link.frozen) {
          // Forward nothing more, not even an end of stream: the connection just goes silent.
          while (!closed) {
            Thread.sleep(50);
          }
          return;
        }
        to.shutdownOutput();
      } catch (IOException | InterruptedException e) {
        // one side closed: the other follows
      } finally {
        if (!link.frozen) {
          closeQuietly(from);
          closeQuietly(to);
        }
      }
    }, "freezing-proxy-" + direction);
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Link l : new ArrayList<>(links)) {
      closeQuietly(l.client);
      closeQuietly(l.upstream);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
