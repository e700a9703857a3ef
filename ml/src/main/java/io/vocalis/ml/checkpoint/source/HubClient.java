package io.vocalis.ml.checkpoint.source;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * HTTP to the Hugging Face hub for one repo, as huggingface_hub does it. Metadata comes from a HEAD
 * of {@code {endpoint}/{repo}/resolve/{revision}/{file}} that follows redirects on the hub's own
 * origin (a renamed repo) but not the redirect of a large (LFS) file to its CDN: that answer carries
 * the commit, the etag and the size. The download is a GET of the redirect target, following further
 * redirects. The token goes only to the endpoint's own origin, never to a redirect target elsewhere.
 */
final class HubClient {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration HEAD_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration GET_TIMEOUT = Duration.ofSeconds(60); // until the response headers
  private static final int MAX_REDIRECTS = 5;
  private static final Pattern ETAG = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
  private static final String USER_AGENT = "vocalis; java/" + Runtime.version().feature();

  private final HubSettings settings;
  private final HubReference repo;
  private final HttpClient http;

  /**
   * What the hub says about one file at one revision.
   *
   * @param commit the commit the revision resolved to
   * @param etag the blob name: the sha256 of an LFS file, the git blob hash of a small one
   * @param size the content length, or -1 when the hub did not say
   * @param location where to GET the content (the CDN for LFS files)
   */
  record FileInfo(String commit, String etag, long size, URI location) {}

  /** What a download wrote: its length and its sha256 (lower-case hex). */
  record Download(long size, String sha256) {}

  /** A client for {@code repo} with {@code settings}' endpoint and token. */
  HubClient(HubSettings settings, HubReference repo) {
    this.settings = settings;
    this.repo = repo;
    this.http = HttpClient.newBuilder()
        .connectTimeout(CONNECT_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /**
   * The metadata of {@code file} at {@code revision}, or empty when the repo has no such file there.
   *
   * @throws CheckpointSourceException for a missing repo or revision, refused access, other HTTP
   *     errors, network failures, or an answer without commit or etag
   */
  Optional<FileInfo> head(String revision, String file) {
    URI uri = fileUri(revision, file);
    for (int redirects = 0; ; redirects++) {
      HttpRequest request = request(uri, HEAD_TIMEOUT)
          .method("HEAD", HttpRequest.BodyPublishers.noBody())
          .header("Accept-Encoding", "identity")
          .build();
      HttpResponse<Void> response = send(request, HttpResponse.BodyHandlers.discarding(), revision, file);
      int status = response.statusCode();
      if (status / 100 == 3) {
        String location = response.headers().firstValue("Location")
            .orElseThrow(() -> new CheckpointSourceException(where(revision, file) + ": HTTP " + status + " without Location"));
        URI target = resolve(uri, location, revision, file);
        if (!sameOrigin(target, uri)) {
          return Optional.of(info(response.headers(), target, revision, file)); // to the CDN
        }
        if (redirects == MAX_REDIRECTS) {
          throw new CheckpointSourceException(where(revision, file) + ": more than " + MAX_REDIRECTS + " redirects");
        }
        uri = target; // on the hub: the repo was renamed or moved
        continue;
      }
      if (status == 200) {
        return Optional.of(info(response.headers(), uri, revision, file));
      }
      String errorCode = response.headers().firstValue("X-Error-Code").orElse("");
      if (status == 404 && !errorCode.equals("RepoNotFound") && !errorCode.equals("RevisionNotFound")) {
        return Optional.empty();
      }
      throw httpFailure(status, errorCode, revision, file);
    }
  }

  /**
   * Downloads {@code info.location()} into {@code target}, following redirects.
   *
   * @throws CheckpointSourceException on HTTP errors and network failures
   */
  Download download(FileInfo info, String revision, String file, Path target) {
    URI uri = info.location();
    for (int redirects = 0; redirects <= MAX_REDIRECTS; redirects++) {
      HttpRequest request = request(uri, GET_TIMEOUT).GET().build();
      HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream(), revision, file);
      int status = response.statusCode();
      try (InputStream body = response.body()) {
        if (status / 100 == 3) {
          String location = response.headers().firstValue("Location")
              .orElseThrow(() -> new CheckpointSourceException(where(revision, file) + ": HTTP " + status + " without Location"));
          uri = resolve(uri, location, revision, file);
          continue;
        }
        if (status != 200) {
          throw new CheckpointSourceException(where(revision, file) + ": HTTP " + status + " from " + withoutQuery(uri));
        }
        MessageDigest sha256 = sha256();
        long size;
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(target), sha256)) {
          size = body.transferTo(out);
        }
        return new Download(size, HexFormat.of().formatHex(sha256.digest()));
      } catch (IOException e) {
        throw new CheckpointSourceException(where(revision, file) + ": download from " + withoutQuery(uri) + " failed: " + e, e);
      }
    }
    throw new CheckpointSourceException(where(revision, file) + ": more than " + MAX_REDIRECTS + " redirects");
  }

  private URI fileUri(String revision, String file) {
    return URI.create(settings.endpoint() + "/" + repo.repoId() + "/resolve/" + encode(revision, false)
        + "/" + encode(file, true));
  }

  /** A request with the common headers; the token only for the endpoint's origin. */
  private HttpRequest.Builder request(URI uri, Duration timeout) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(timeout).header("User-Agent", USER_AGENT);
    if (settings.token() != null && sameOrigin(uri, settings.endpoint())) {
      builder.header("Authorization", "Bearer " + settings.token());
    }
    return builder;
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, String revision, String file) {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw new CheckpointSourceException(where(revision, file) + ": cannot reach " + request.uri().getHost()
          + " (" + e + "); with HF_HUB_OFFLINE=1 a cached checkpoint is used without the network", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CheckpointSourceException(where(revision, file) + ": interrupted", e);
    }
  }

  private FileInfo info(HttpHeaders headers, URI location, String revision, String file) {
    String commit = headers.firstValue("X-Repo-Commit").orElse("");
    if (!HubCache.isCommit(commit)) {
      throw new CheckpointSourceException(where(revision, file) + ": the answer from " + settings.endpoint()
          + " has no commit hash (X-Repo-Commit \"" + commit + "\"); is HF_ENDPOINT a Hugging Face hub?");
    }
    String etag = headers.firstValue("X-Linked-Etag").or(() -> headers.firstValue("ETag")).orElse("");
    etag = etag.startsWith("W/") ? etag.substring(2) : etag;
    etag = etag.replace("\"", "");
    if (!ETAG.matcher(etag).matches()) {
      throw new CheckpointSourceException(where(revision, file) + ": the answer from " + settings.endpoint()
          + " has no usable ETag (\"" + etag + "\")");
    }
    String size = headers.firstValue("X-Linked-Size").or(() -> headers.firstValue("Content-Length")).orElse("-1");
    try {
      return new FileInfo(commit, etag, Long.parseLong(size.strip()), location);
    } catch (NumberFormatException e) {
      throw new CheckpointSourceException(where(revision, file) + ": unreadable size \"" + size + "\"", e);
    }
  }

  private CheckpointSourceException httpFailure(int status, String errorCode, String revision, String file) {
    String where = where(revision, file);
    String access = settings.token() == null
        ? "set HF_TOKEN to an access token of an account that may read it"
        : "the token in HF_TOKEN was refused or has no access (for a gated model, accept its conditions on the hub)";
    return new CheckpointSourceException(switch (status) {
      case 401, 403 -> where + ": HTTP " + status + ": the repo is gated or private, or does not exist; " + access;
      case 404 -> errorCode.equals("RevisionNotFound")
          ? where + ": revision " + revision + " not found in " + repo.repoId()
          : where + ": repo " + repo.repoId() + " not found at " + settings.endpoint()
              + (settings.token() == null ? " (if it is private, set HF_TOKEN)" : "");
      default -> where + ": HTTP " + status + (errorCode.isEmpty() ? "" : " (" + errorCode + ")")
          + " from " + settings.endpoint();
    });
  }

  private URI resolve(URI base, String location, String revision, String file) {
    try {
      return base.resolve(location);
    } catch (IllegalArgumentException e) {
      throw new CheckpointSourceException(where(revision, file) + ": unusable redirect to \"" + location + "\"", e);
    }
  }

  private String where(String revision, String file) {
    return repo.id() + "@" + revision + ", file " + file;
  }

  /** {@code uri} without its query, which for a CDN is a signature that does not belong in messages. */
  private static String withoutQuery(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI uri) {
    return uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  /** Percent-encodes all but unreserved characters (and {@code /} when {@code keepSlash}). */
  private static String encode(String text, boolean keepSlash) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "-._~".indexOf(c) >= 0 || (keepSlash && c == '/')) {
        out.append((char) c);
      } else {
        out.append('%').append(String.format(Locale.ROOT, "%02X", c));
      }
    }
    return out.toString();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
