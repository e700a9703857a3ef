package io.vocalis.ml.checkpoint.source;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Hugging Face hub stand-in over real HTTP on loopback, answering {@code HEAD} and {@code GET
 * /{repo}/resolve/{revision}/{file}} as the hub does: {@code X-Repo-Commit}; a quoted git-blob
 * {@code ETag} for small files; for LFS files ({@code .safetensors}, {@code .bin}) a 302 to a second
 * server (the "CDN", on another host name) with {@code X-Linked-Etag} (the sha256) and {@code
 * X-Linked-Size}; 404 with {@code X-Error-Code} RepoNotFound, RevisionNotFound or EntryNotFound;
 * 401/403 for a repo that requires a token; a relative 307 for a renamed repo. Every request is
 * recorded.
 */
final class LocalHubServer implements AutoCloseable {
  private static final Pattern RESOLVE = Pattern.compile("^/((?:[^/]+/)?[^/]+)/resolve/([^/]+)/(.+)$");
  /** Two host names, so that the CDN is another host for every client (huggingface_hub compares host names only). */
  private static final String HUB_HOST = "127.0.0.1";
  private static final String CDN_HOST = "localhost";
  private static final Pattern CDN = Pattern.compile("^/lfs/((?:[^/]+/)?[^/]+)/([0-9a-f]{64})$");

  /** One request as the servers saw it. */
  record Request(String server, String method, String path, String authorization) {}

  private final HttpServer hub;
  private final HttpServer cdn;
  private final Map<String, Repo> repos = new ConcurrentHashMap<>();
  private final Map<String, String> renamed = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private LocalHubServer() throws IOException {
    hub = HttpServer.create(new InetSocketAddress(InetAddress.getByName(HUB_HOST), 0), 0);
    cdn = HttpServer.create(new InetSocketAddress(InetAddress.getByName(CDN_HOST), 0), 0);
    hub.createContext("/", exchange -> handle(exchange, "hub", this::serveHub));
    cdn.createContext("/", exchange -> handle(exchange, "cdn", this::serveCdn));
    hub.start();
    cdn.start();
  }

  /** Starts both servers on free loopback ports. */
  static LocalHubServer start() throws IOException {
    return new LocalHubServer();
  }

  /** The hub's base URL, for {@code HF_ENDPOINT}. */
  String endpoint() {
    return "http://" + HUB_HOST + ":" + hub.getAddress().getPort();
  }

  /** The repo {@code repoId}, created empty on first use. */
  Repo repo(String repoId) {
    return repos.computeIfAbsent(repoId, Repo::new);
  }

  /** Answers requests for {@code oldId} with a relative redirect to {@code newId}. */
  void rename(String oldId, String newId) {
    renamed.put(oldId, newId);
  }

  /** Every request so far, in order. */
  List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Forgets the recorded requests. */
  void clearRequests() {
    requests.clear();
  }

  @Override
  public void close() {
    hub.stop(0);
    cdn.stop(0);
  }

  /** A model repo: commits of files, and refs (branches, tags) pointing at commits. */
  static final class Repo {
    private static final AtomicInteger COMMITS = new AtomicInteger();

    private final String id;
    private final Map<String, Map<String, byte[]>> commits = new ConcurrentHashMap<>();
    private final Map<String, String> refs = new ConcurrentHashMap<>();
    private volatile String token;
    private volatile boolean corruptLfs;

    private Repo(String id) {
      this.id = id;
    }

    /**
     * Commits the files of {@code folder} (recursively, but not {@code reference.safetensors}, the
     * fixtures' expected outputs) and points {@code refs} at the commit; returns its hash.
     */
    String push(Path folder, String... refNames) {
      Map<String, byte[]> files = new TreeMap<>();
      try (Stream<Path> paths = Files.walk(folder)) {
        for (Path path : paths.filter(Files::isRegularFile).toList()) {
          String name = folder.relativize(path).toString().replace('\\', '/');
          if (!name.equals("reference.safetensors")) {
            files.put(name, Files.readAllBytes(path));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      String commit = hex(digest("SHA-1", (id + "#" + COMMITS.incrementAndGet()).getBytes(UTF_8)));
      commits.put(commit, files);
      for (String ref : refNames) {
        refs.put(ref, commit);
      }
      return commit;
    }

    /** Requires {@code Authorization: Bearer token} (401 without, 403 with another). */
    Repo requireToken(String token) {
      this.token = token;
      return this;
    }

    /** Whether the CDN flips a byte of this repo's LFS files (their etags stay those of the good content). */
    Repo corruptLfs(boolean corrupt) {
      this.corruptLfs = corrupt;
      return this;
    }
  }

  /** The sha256 of {@code content}, as the hub's etag of an LFS file. */
  static String sha256(byte[] content) {
    return hex(digest("SHA-256", content));
  }

  /** The git blob hash of {@code content}, as the hub's etag of a small file. */
  static String gitBlobHash(byte[] content) {
    byte[] header = ("blob " + content.length + "\0").getBytes(UTF_8);
    byte[] all = new byte[header.length + content.length];
    System.arraycopy(header, 0, all, 0, header.length);
    System.arraycopy(content, 0, all, header.length, content.length);
    return hex(digest("SHA-1", all));
  }

  /** Whether the hub serves {@code file} through LFS (the CDN). */
  static boolean isLfs(String file) {
    return file.endsWith(".safetensors") || file.endsWith(".bin");
  }

  @FunctionalInterface
  private interface Handler {
    void serve(HttpExchange exchange, String path) throws IOException;
  }

  private void handle(HttpExchange exchange, String server, Handler handler) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      requests.add(new Request(server, exchange.getRequestMethod(), path,
          exchange.getRequestHeaders().getFirst("Authorization")));
      handler.serve(exchange, path);
    }
  }

  private void serveHub(HttpExchange exchange, String path) throws IOException {
    Matcher m = RESOLVE.matcher(path);
    if (!m.matches()) {
      send(exchange, 404, null);
      return;
    }
    String repoId = m.group(1);
    String revision = URLDecoder.decode(m.group(2), UTF_8);
    String file = URLDecoder.decode(m.group(3), UTF_8);
    if (renamed.containsKey(repoId)) {
      exchange.getResponseHeaders().set("Location", "/" + renamed.get(repoId) + "/resolve/" + m.group(2) + "/" + m.group(3));
      send(exchange, 307, null);
      return;
    }
    Repo repo = repos.get(repoId);
    if (repo == null) {
      error(exchange, 404, "RepoNotFound");
      return;
    }
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (repo.token != null && authorization == null) {
      error(exchange, 401, "GatedRepo");
      return;
    }
    if (repo.token != null && !authorization.equals("Bearer " + repo.token)) {
      error(exchange, 403, "GatedRepo");
      return;
    }
    String commit = repo.commits.containsKey(revision) ? revision : repo.refs.get(revision);
    if (commit == null) {
      error(exchange, 404, "RevisionNotFound");
      return;
    }
    exchange.getResponseHeaders().set("X-Repo-Commit", commit);
    byte[] content = repo.commits.get(commit).get(file);
    if (content == null) {
      error(exchange, 404, "EntryNotFound");
      return;
    }
    if (isLfs(file)) {
      String sha256 = sha256(content);
      exchange.getResponseHeaders().set("ETag", "\"" + gitBlobHash(("oid sha256:" + sha256).getBytes(UTF_8)) + "\"");
      exchange.getResponseHeaders().set("X-Linked-Etag", "\"" + sha256 + "\"");
      exchange.getResponseHeaders().set("X-Linked-Size", String.valueOf(content.length));
      exchange.getResponseHeaders().set("Location",
          "http://" + CDN_HOST + ":" + cdn.getAddress().getPort() + "/lfs/" + repoId + "/" + sha256);
      send(exchange, 302, null);
      return;
    }
    exchange.getResponseHeaders().set("ETag", "\"" + gitBlobHash(content) + "\"");
    send(exchange, 200, content);
  }

  private void serveCdn(HttpExchange exchange, String path) throws IOException {
    Matcher m = CDN.matcher(path);
    Repo repo = m.matches() ? repos.get(m.group(1)) : null;
    byte[] content = repo == null ? null : repo.commits.values().stream()
        .flatMap(files -> files.values().stream())
        .filter(bytes -> sha256(bytes).equals(m.group(2)))
        .findFirst().orElse(null);
    if (content == null) {
      send(exchange, 404, null);
      return;
    }
    if (repo.corruptLfs) {
      content = content.clone();
      content[content.length / 2] ^= 1;
    }
    send(exchange, 200, content);
  }

  private static void error(HttpExchange exchange, int status, String code) throws IOException {
    exchange.getResponseHeaders().set("X-Error-Code", code);
    send(exchange, status, null);
  }

  /** Sends {@code body} (none for HEAD, whose Content-Length still announces it). */
  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    boolean head = exchange.getRequestMethod().equals("HEAD");
    if (body == null || head) {
      if (body != null) {
        exchange.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
      }
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static byte[] digest(String algorithm, byte[] content) {
    try {
      return MessageDigest.getInstance(algorithm).digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
