package org.albertedge.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, strict access to one parsed JSON object ({@link Json}): a missing or mistyped field is an error naming
 * where it is ({@code manifest.json: artifacts[1].sha256 ...}); {@link #only} refuses fields the schema lacks.
 */
final class JsonFields {
    private final Map<String, Object> m;
    final String where;

    private JsonFields(Map<String, Object> m, String where) {
        this.m = m;
        this.where = where;
    }

    @SuppressWarnings("unchecked")
    static JsonFields of(Object value, String where) throws TokenizerException {
        if (!(value instanceof Map)) throw new TokenizerException(where + ": expected a JSON object");
        return new JsonFields((Map<String, Object>) value, where);
    }

    private String at(String key) {
        return where + "." + key;
    }

    boolean has(String key) {
        return m.containsKey(key);
    }

    Object raw(String key) throws TokenizerException {
        if (!m.containsKey(key)) throw new TokenizerException(where + ": lacks " + key);
        return m.get(key);
    }

    /** Every key of the object is one of {@code known} (the schema's additionalProperties: false). */
    JsonFields only(Set<String> known) throws TokenizerException {
        Set<String> unknown = new TreeSet<>(m.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) throw new TokenizerException(where + ": unknown field " + unknown.iterator().next());
        return this;
    }

    String str(String key) throws TokenizerException {
        Object v = raw(key);
        if (!(v instanceof String)) throw new TokenizerException(at(key) + " is not a string");
        return (String) v;
    }

    String oneOf(String key, String... allowed) throws TokenizerException {
        String v = str(key);
        for (String a : allowed) if (a.equals(v)) return v;
        throw new TokenizerException(at(key) + " is \"" + v + "\", expected one of " + String.join(", ", allowed));
    }

    static String sha256(Object v, String where) throws TokenizerException {
        if (!(v instanceof String) || !((String) v).matches("[0-9a-f]{64}")) {
            throw new TokenizerException(where + " is not a sha256 (64 lowercase hex digits)");
        }
        return (String) v;
    }

    String sha256(String key) throws TokenizerException {
        return sha256(raw(key), at(key));
    }

    static long integer(Object v, long min, String where) throws TokenizerException {
        if (!(v instanceof Long)) throw new TokenizerException(where + " is not an integer");
        if ((Long) v < min) throw new TokenizerException(where + " is " + v + ", below " + min);
        return (Long) v;
    }

    long integer(String key, long min) throws TokenizerException {
        return integer(raw(key), min, at(key));
    }

    /** A JSON integer that fits a Java int, at least {@code min}. */
    static int int32(Object v, int min, String where) throws TokenizerException {
        long x = integer(v, min, where);
        if (x > Integer.MAX_VALUE) throw new TokenizerException(where + " is too large");
        return (int) x;
    }

    List<?> list(String key, int minItems) throws TokenizerException {
        Object v = raw(key);
        if (!(v instanceof List)) throw new TokenizerException(at(key) + " is not a list");
        if (((List<?>) v).size() < minItems) throw new TokenizerException(at(key) + " is empty");
        return (List<?>) v;
    }

    List<String> strings(String key, int minItems) throws TokenizerException {
        List<String> out = new ArrayList<>();
        for (Object o : list(key, minItems)) {
            if (!(o instanceof String)) throw new TokenizerException(at(key) + " holds a non-string");
            out.add((String) o);
        }
        return Collections.unmodifiableList(out);
    }

    List<Integer> ints(String key, int minItems, int min) throws TokenizerException {
        List<Integer> out = new ArrayList<>();
        for (Object o : list(key, minItems)) out.add(int32(o, min, at(key) + "[" + out.size() + "]"));
        return Collections.unmodifiableList(out);
    }

    JsonFields obj(String key) throws TokenizerException {
        return of(raw(key), at(key));
    }

    /** An object kept as parsed (the schema leaves its contents open); null only where {@code nullable}. */
    @SuppressWarnings("unchecked")
    Map<String, Object> map(String key, boolean nullable) throws TokenizerException {
        Object v = raw(key);
        if (v == null && nullable) return null;
        if (!(v instanceof Map)) throw new TokenizerException(at(key) + " is not an object");
        return Collections.unmodifiableMap((Map<String, Object>) v);
    }

    Map<String, String> shaMap(String key) throws TokenizerException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : map(key, false).entrySet()) {
            out.put(e.getKey(), sha256(e.getValue(), at(key) + "." + e.getKey()));
        }
        return Collections.unmodifiableMap(out);
    }

    Map<String, Integer> intMap(String key, int min) throws TokenizerException {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : map(key, false).entrySet()) {
            out.put(e.getKey(), int32(e.getValue(), min, at(key) + "." + e.getKey()));
        }
        return Collections.unmodifiableMap(out);
    }
}
