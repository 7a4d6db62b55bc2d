package dev.gantry.engine.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A streaming completion on a raw socket, read up to its first event, so a test controls
 * exactly when the client goes away (close) or reads on.
 */
final class RawStream implements AutoCloseable {
  private final Socket socket;
  private final BufferedReader in;

  RawStream(int port, String body) throws IOException {
    socket = new Socket("127.0.0.1", port);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    OutputStream out = socket.getOutputStream();
    out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
        + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.flush();
    in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    assertThat(in.readLine()).startsWith("HTTP/1.1 200");
    for (String line; !(line = in.readLine()).startsWith("data: "); ) {
      // headers and chunk sizes until the first event
    }
  }

  /** Reads to the end of the stream; true when it ended with data: [DONE]. */
  boolean readToDone() throws IOException {
    for (String line; (line = in.readLine()) != null; ) {
      if (line.equals("data: [DONE]")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
