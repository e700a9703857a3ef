package io.vocalis.ml.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code data.pkl} of a {@code torch.save} zip archive without executing anything. It
 * understands only the pickle opcodes that a state dict uses and only these globals: {@code
 * collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2}, {@code
 * torch._utils._rebuild_parameter} and the typed storage classes ({@code torch.FloatStorage} and
 * the like). Any other global or opcode is refused with an error that names it.
 *
 * <p>Malformed input of any kind ends in a {@link CheckpointException} naming the source: appends
 * to a tuple, string lengths past the end of the pickle, dict keys that are not plain values,
 * self-referential or deeper than {@value #MAX_DEPTH} levels structures. Shared substructures
 * (memo references) are converted once, so the work stays linear in the pickle's size.
 */
final class RestrictedUnpickler {

  /** A storage referenced by a persistent id: a file {@code data/<key>} in the archive. */
  record StorageRef(String key, TensorDtype dtype, long elements) {}

  /** A tensor rebuilt by {@code _rebuild_tensor_v2}: a strided view into a storage. */
  record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {}

  private enum Global {
    ORDERED_DICT,
    REBUILD_TENSOR_V2,
    REBUILD_PARAMETER
  }

  /** The storage type named by a {@code torch.<Type>Storage} global. */
  private record StorageType(TensorDtype dtype) {}

  private static final Map<String, Object> ALLOWED_GLOBALS = allowedGlobals();
  /** Deepest nesting of dicts, lists and tuples accepted (a state dict needs three or four). */
  static final int MAX_DEPTH = 100;

  private final ByteBuffer in;
  private final String source;
  private final Deque<Object> stack = new ArrayDeque<>();
  private final Deque<Integer> marks = new ArrayDeque<>();
  private final Map<Long, Object> memo = new HashMap<>();

  private RestrictedUnpickler(byte[] pickle, String source) {
    this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
    this.source = source;
  }

  private static Map<String, Object> allowedGlobals() {
    Map<String, Object> globals = new HashMap<>();
    globals.put("collections.OrderedDict", Global.ORDERED_DICT);
    globals.put("torch._utils._rebuild_tensor_v2", Global.REBUILD_TENSOR_V2);
    globals.put("torch._utils._rebuild_parameter", Global.REBUILD_PARAMETER);
    globals.put("torch.FloatStorage", new StorageType(TensorDtype.F32));
    globals.put("torch.HalfStorage", new StorageType(TensorDtype.F16));
    globals.put("torch.BFloat16Storage", new StorageType(TensorDtype.BF16));
    globals.put("torch.DoubleStorage", new StorageType(TensorDtype.F64));
    globals.put("torch.LongStorage", new StorageType(TensorDtype.I64));
    globals.put("torch.IntStorage", new StorageType(TensorDtype.I32));
    globals.put("torch.ShortStorage", new StorageType(TensorDtype.I16));
    globals.put("torch.CharStorage", new StorageType(TensorDtype.I8));
    globals.put("torch.ByteStorage", new StorageType(TensorDtype.U8));
    globals.put("torch.BoolStorage", new StorageType(TensorDtype.BOOL));
    return Collections.unmodifiableMap(globals);
  }

  /**
   * The state dict pickled in {@code pickle}: tensor name to tensor reference, in file order.
   * {@code source} names the file in errors.
   */
  static Map<String, TensorRef> readStateDict(byte[] pickle, String source) {
    return stateDict(read(pickle, source), source);
  }

  /**
   * The object pickled in {@code pickle}, built from dicts ({@link Map}), tuples and lists ({@link
   * List}), strings, integers ({@link Long}), floats ({@link Double}), booleans, None ({@code null})
   * and tensors ({@link TensorRef}). {@code source} names the file in errors.
   */
  static Object read(byte[] pickle, String source) {
    RestrictedUnpickler unpickler = new RestrictedUnpickler(pickle, source);
    return unpickler.plain(unpickler.run(), new IdentityHashMap<>(), 0);
  }

  /** {@code value} (a result of {@link #read}) as a state dict: tensor name to tensor reference. */
  static Map<String, TensorRef> stateDict(Object value, String source) {
    if (!(value instanceof Map<?, ?> map)) {
      throw new CheckpointException(source + ": the pickle does not hold a state dict");
    }
    Map<String, TensorRef> tensors = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TensorRef tensor)) {
        throw new CheckpointException(
            source + ": entry " + describe(e.getKey()) + " of the state dict is not a tensor");
      }
      tensors.put(name, tensor);
    }
    return tensors;
  }

  /**
   * {@code value} with Python's None as {@code null}, in every nested dict, list and tuple; each
   * container is converted once ({@code converted}: container to result, {@link #IN_PROGRESS}
   * while its items are converted, which finds cycles).
   */
  private Object plain(Object value, Map<Object, Object> converted, int depth) {
    if (value == NoneValue.NONE) {
      return null;
    }
    if (!(value instanceof Map<?, ?>) && !(value instanceof List<?>)) {
      return value;
    }
    Object done = converted.get(value);
    if (done == IN_PROGRESS) {
      throw new CheckpointException(source + ": the pickle holds a self-referential " + kind(value)
          + ": a state dict never does");
    }
    if (done != null) {
      return done;
    }
    if (depth >= MAX_DEPTH) {
      throw new CheckpointException(source + ": the pickle nests containers deeper than " + MAX_DEPTH + " levels");
    }
    converted.put(value, IN_PROGRESS);
    Object out;
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> dict = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        dict.put(plain(e.getKey(), converted, depth + 1), plain(e.getValue(), converted, depth + 1));
      }
      out = dict;
    } else {
      List<Object> list = new ArrayList<>();
      for (Object item : (List<?>) value) {
        list.add(plain(item, converted, depth + 1));
      }
      out = list;
    }
    converted.put(value, out);
    return out;
  }

  private static final Object IN_PROGRESS = new Object();

  private Object run() {
    try {
      while (true) {
        int op = in.get() & 0xff;
        switch (op) {
          case 0x80 -> in.get(); // PROTO
          case 0x95 -> in.getLong(); // FRAME
          case '.' -> {
            return pop();
          }
          case '(' -> marks.push(stack.size());
          case '}' -> stack.push(new LinkedHashMap<Object, Object>());
          case ']' -> stack.push(new ArrayList<Object>());
          case ')' -> stack.push(List.of());
          case 't' -> stack.push(Collections.unmodifiableList(popToMark()));
          case 0x85 -> stack.push(tuple(1));
          case 0x86 -> stack.push(tuple(2));
          case 0x87 -> stack.push(tuple(3));
          case 'l' -> stack.push(new ArrayList<>(popToMark()));
          case 'a' -> {
            Object value = pop();
            appendable(peek(), "APPEND").add(value);
          }
          case 'e' -> {
            List<Object> values = popToMark();
            appendable(peek(), "APPENDS").addAll(values);
          }
          case 'd' -> {
            Map<Object, Object> dict = new LinkedHashMap<>();
            putAll(dict, popToMark());
            stack.push(dict);
          }
          case 's' -> {
            Object value = pop();
            Object key = pop();
            dict(peek()).put(key(key), value);
          }
          case 'u' -> {
            List<Object> items = popToMark();
            putAll(dict(peek()), items);
          }
          case 'X' -> stack.push(string(in.getInt() & 0xffffffffL));
          case 0x8c -> stack.push(string(in.get() & 0xff));
          case 0x8d -> stack.push(string(in.getLong()));
          case 'J' -> stack.push((long) in.getInt());
          case 'K' -> stack.push((long) (in.get() & 0xff));
          case 'M' -> stack.push((long) (in.getShort() & 0xffff));
          case 0x8a -> stack.push(long1());
          case 'G' -> stack.push(Double.longBitsToDouble(Long.reverseBytes(in.getLong())));
          case 'N' -> stack.push(NoneValue.NONE);
          case 0x88 -> stack.push(Boolean.TRUE);
          case 0x89 -> stack.push(Boolean.FALSE);
          case 'q' -> memo.put((long) (in.get() & 0xff), peek());
          case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek());
          case 0x94 -> memo.put((long) memo.size(), peek());
          case 'h' -> stack.push(memoGet(in.get() & 0xff));
          case 'j' -> stack.push(memoGet(in.getInt() & 0xffffffffL));
          case 'c' -> stack.push(global(line(), line()));
          case 0x93 -> {
            Object name = pop();
            Object module = pop();
            if (!(module instanceof String m) || !(name instanceof String n)) {
              throw new CheckpointException(source + ": STACK_GLOBAL of " + describe(module) + " and "
                  + describe(name) + ": expected two strings");
            }
            stack.push(global(m, n));
          }
          case 'R' -> {
            Object args = pop();
            Object callable = pop();
            stack.push(reduce(callable, args));
          }
          case 'b' -> build(pop(), peek());
          case 'Q' -> stack.push(persistent(pop()));
          default -> throw new CheckpointException(
              source + ": refusing pickle opcode " + opcodeName(op) + " at byte " + (in.position() - 1)
                  + ": only the opcodes of a tensor state dict are allowed");
        }
      }
    } catch (java.nio.BufferUnderflowException e) {
      throw new CheckpointException(source + ": truncated pickle", e);
    }
  }

  /** Python's None (a distinct value so that it is never confused with Java's missing). */
  private enum NoneValue {
    NONE
  }

  private Object global(String module, String name) {
    String qualified = module + "." + name;
    Object global = ALLOWED_GLOBALS.get(qualified);
    if (global == null) {
      throw new CheckpointException(
          source + ": refusing pickle global " + qualified
              + ": only tensor state dicts are read (collections.OrderedDict, torch._utils rebuild"
              + " functions, torch storage types); this file may try to run code");
    }
    return global;
  }

  private Object reduce(Object callable, Object args) {
    List<Object> a = list(args);
    if (callable == Global.ORDERED_DICT) {
      if (!a.isEmpty()) {
        throw new CheckpointException(source + ": OrderedDict with arguments is not supported");
      }
      return new LinkedHashMap<Object, Object>();
    }
    if (callable == Global.REBUILD_TENSOR_V2) {
      if (a.size() < 6 || !(a.get(0) instanceof StorageRef storage)) {
        throw new CheckpointException(source + ": malformed _rebuild_tensor_v2 call");
      }
      long[] shape = longs(a.get(2));
      long[] stride = longs(a.get(3));
      if (shape.length != stride.length) {
        throw new CheckpointException(source + ": tensor size and stride differ in rank");
      }
      return new TensorRef(storage, number(a.get(1)), shape, stride);
    }
    if (callable == Global.REBUILD_PARAMETER) {
      if (a.isEmpty() || !(a.get(0) instanceof TensorRef tensor)) {
        throw new CheckpointException(source + ": malformed _rebuild_parameter call");
      }
      return tensor;
    }
    throw new CheckpointException(
        source + ": refusing to call " + describe(callable) + ": it is not an allowed function");
  }

  private void build(Object state, Object target) {
    // OrderedDict state (its _metadata) and tensor state carry nothing we need.
    if (!(target instanceof Map<?, ?>) && !(target instanceof TensorRef)) {
      throw new CheckpointException(
          source + ": refusing BUILD on " + describe(target) + ": only dicts and tensors are allowed");
    }
    if (!(state instanceof Map<?, ?>) && !(state instanceof List<?>) && state != NoneValue.NONE) {
      throw new CheckpointException(source + ": unexpected BUILD state " + describe(state));
    }
  }

  private Object persistent(Object pid) {
    List<Object> id = list(pid);
    if (id.size() != 5 || !"storage".equals(id.get(0)) || !(id.get(1) instanceof StorageType type)
        || !(id.get(2) instanceof String key)) {
      throw new CheckpointException(source + ": unsupported persistent id " + describe(pid));
    }
    return new StorageRef(key, type.dtype(), number(id.get(4)));
  }

  private List<Object> tuple(int n) {
    Object[] items = new Object[n];
    for (int i = n - 1; i >= 0; i--) {
      items[i] = pop();
    }
    return List.of(items);
  }

  private List<Object> popToMark() {
    if (marks.isEmpty()) {
      throw new CheckpointException(source + ": pickle MARK missing");
    }
    int mark = marks.pop();
    List<Object> items = new ArrayList<>(Math.max(0, stack.size() - mark));
    while (stack.size() > mark) {
      items.add(stack.pop());
    }
    Collections.reverse(items);
    return items;
  }

  private void putAll(Map<Object, Object> dict, List<Object> items) {
    if (items.size() % 2 != 0) {
      throw new CheckpointException(source + ": odd number of dict items");
    }
    for (int i = 0; i < items.size(); i += 2) {
      dict.put(key(items.get(i)), items.get(i + 1));
    }
  }

  private Object pop() {
    if (stack.isEmpty()) {
      throw new CheckpointException(source + ": pickle stack underflow");
    }
    return stack.pop();
  }

  private Object peek() {
    if (stack.isEmpty()) {
      throw new CheckpointException(source + ": pickle stack underflow");
    }
    return stack.peek();
  }

  private Object memoGet(long key) {
    Object value = memo.get(key);
    if (value == null) {
      throw new CheckpointException(source + ": pickle memo " + key + " is empty");
    }
    return value;
  }

  private String string(long length) {
    if (length < 0 || length > in.remaining()) {
      throw new CheckpointException(source + ": pickle string of " + Long.toUnsignedString(length)
          + " bytes at byte " + in.position() + " reaches past the end (" + in.remaining() + " bytes left)");
    }
    byte[] bytes = new byte[(int) length];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private String line() {
    StringBuilder sb = new StringBuilder();
    while (true) {
      byte b = in.get();
      if (b == '\n') {
        return sb.toString();
      }
      if (sb.length() > 200) {
        throw new CheckpointException(source + ": pickle global name too long");
      }
      sb.append((char) (b & 0xff));
    }
  }

  private long long1() {
    int n = in.get() & 0xff;
    if (n > 8) {
      throw new CheckpointException(source + ": integer of " + n + " bytes is too large");
    }
    long value = 0;
    for (int i = 0; i < n; i++) {
      value |= (long) (in.get() & 0xff) << (8 * i);
    }
    if (n > 0 && n < 8 && (value & (1L << (8 * n - 1))) != 0) {
      value -= 1L << (8 * n);
    }
    return value;
  }

  /** A list that APPEND/APPENDS may extend: never a tuple, which is immutable in Python too. */
  @SuppressWarnings("unchecked")
  private List<Object> appendable(Object value, String opcode) {
    if (value instanceof ArrayList<?> l) {
      return (List<Object>) l;
    }
    throw new CheckpointException(source + ": refusing " + opcode + " onto " + describe(value) + ": only lists grow");
  }

  /** A dict key: a string, number, boolean or None, as every state dict and config uses. */
  private Object key(Object key) {
    if (key instanceof String || key instanceof Long || key instanceof Double || key instanceof Boolean
        || key == NoneValue.NONE) {
      return key;
    }
    throw new CheckpointException(source + ": dict key " + describe(key) + " is not a string, number, boolean or None");
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(Object value) {
    if (value instanceof List<?> l) {
      return (List<Object>) l;
    }
    throw new CheckpointException(source + ": expected a tuple or list, found " + describe(value));
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> dict(Object value) {
    if (value instanceof Map<?, ?> m) {
      return (Map<Object, Object>) m;
    }
    throw new CheckpointException(source + ": expected a dict, found " + describe(value));
  }

  private long number(Object value) {
    if (value instanceof Long l) {
      return l;
    }
    throw new CheckpointException(source + ": expected an integer, found " + describe(value));
  }

  private long[] longs(Object value) {
    List<Object> items = list(value);
    long[] result = new long[items.size()];
    for (int i = 0; i < result.length; i++) {
      result[i] = number(items.get(i));
    }
    return result;
  }

  /** A short description of a pickled value: never its whole content (it may be huge or cyclic). */
  private static String describe(Object value) {
    if (value == null) {
      return "nothing";
    }
    if (value instanceof Map<?, ?> || value instanceof List<?>) {
      return kind(value) + " of " + (value instanceof Map<?, ?> m ? m.size() : ((List<?>) value).size()) + " items";
    }
    String text = value instanceof String s ? "'" + s + "'" : String.valueOf(value);
    return value.getClass().getSimpleName() + " " + (text.length() > 80 ? text.substring(0, 80) + "..." : text);
  }

  private static String kind(Object container) {
    return container instanceof Map<?, ?> ? "dict" : container instanceof ArrayList<?> ? "list" : "tuple";
  }

  private static String opcodeName(int op) {
    return op >= 0x20 && op < 0x7f ? "'" + (char) op + "' (0x" + Integer.toHexString(op) + ")"
        : "0x" + Integer.toHexString(op);
  }
}
