package io.vocalis.core.storage;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The rules for keys, shared by all backends. A key is a non-empty, relative, {@code /}-separated
 * string of non-empty segments without backslashes or control characters; no segment may start
 * with {@code .} ({@code .} and {@code ..} would be ambiguous or escape the root, and the other dot
 * names are reserved for the file backend's temporary and lock files).
 */
final class Keys {

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private Keys() {}

  /** Returns {@code key} if it is legal, else throws {@link IllegalKeyException}. */
  static String check(String key) {
    String problem = problem(Objects.requireNonNull(key, "key"));
    if (problem != null) {
      throw new IllegalKeyException(key, problem);
    }
    return key;
  }

  /** Whether {@code key} is legal. */
  static boolean isValid(String key) {
    return problem(key) == null;
  }

  /**
   * Returns a list prefix if it is legal: empty, or a legal key optionally followed by one {@code /}.
   * The last segment may be partial ({@code recordings/a} matches {@code recordings/ab/x}).
   */
  static String checkPrefix(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    if (prefix.isEmpty()) {
      return prefix;
    }
    String body = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    String problem = body.isEmpty() ? "is absolute (starts with '/')" : problem(body);
    if (problem != null) {
      throw new IllegalKeyException(prefix, problem);
    }
    return prefix;
  }

  /** Percent-encodes a key for use as a URI path: everything but unreserved characters and {@code /}. */
  static String encode(String key) {
    StringBuilder out = new StringBuilder(key.length() + 16);
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xFF);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    return out.toString();
  }

  /** Quotes a key for messages, with control characters escaped as {@code \\uXXXX}. */
  static String display(String key) {
    if (key == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(key.length() + 2).append('"');
    for (char c : key.toCharArray()) {
      if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04X", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  private static String problem(String key) {
    if (key.isEmpty()) {
      return "is empty";
    }
    if (key.startsWith("/")) {
      return "is absolute (starts with '/')";
    }
    for (char c : key.toCharArray()) {
      if (c == '\\') {
        return "contains a backslash";
      }
      if (Character.isISOControl(c)) {
        return String.format("contains the control character U+%04X", (int) c);
      }
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty()) {
        return "has an empty segment ('//' or a trailing '/')";
      }
      if (segment.equals("..")) {
        return "has a '..' segment, which would escape the root";
      }
      if (segment.equals(".")) {
        return "has a '.' segment";
      }
      if (segment.startsWith(".")) {
        return "has a segment starting with '.', which is reserved for internal files";
      }
    }
    return null;
  }
}
