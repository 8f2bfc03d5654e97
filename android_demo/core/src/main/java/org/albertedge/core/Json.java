package org.albertedge.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny strict JSON parser (RFC 8259) for the small configs that travel with artifacts and for manifest.json.
 * Not org.json (built into Android; Debian packages the same code as libandroid-json-java): its JSONTokener is
 * lenient by design — comments, unquoted or single-quoted strings, hex and octal integers, ";" separators, "=" /
 * "=>" after keys are all accepted — while the bundle and the manifest must be read exactly as Python's json
 * module reads them (what Python refuses, this refuses; a repeated key keeps its last value). Objects become
 * {@link LinkedHashMap}, arrays {@link ArrayList}, numbers {@link Long} (integers that fit) or {@link Double}, plus
 * String, Boolean and null. Errors raise {@link TokenizerException} with the character offset.
 */
public final class Json {
    private final String s;
    private int pos;

    private Json(String s) {
        this.s = s;
    }

    public static Object parse(String text) throws TokenizerException {
        Json p = new Json(text);
        p.ws();
        Object v = p.value(0);
        p.ws();
        if (p.pos != text.length()) throw p.error("trailing characters");
        return v;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) throws TokenizerException {
        Object v = parse(text);
        if (!(v instanceof Map)) throw new TokenizerException("invalid JSON: expected an object at the top level");
        return (Map<String, Object>) v;
    }

    private TokenizerException error(String what) {
        return new TokenizerException("invalid JSON at offset " + pos + ": " + what);
    }

    private void ws() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
            else break;
        }
    }

    private Object value(int depth) throws TokenizerException {
        if (depth > 200) throw error("nested too deeply");
        if (pos >= s.length()) throw error("unexpected end");
        char c = s.charAt(pos);
        switch (c) {
            case '{': return object(depth);
            case '[': return array(depth);
            case '"': return string();
            case 't': return literal("true", Boolean.TRUE);
            case 'f': return literal("false", Boolean.FALSE);
            case 'n': return literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                throw error("unexpected character '" + c + "'");
        }
    }

    private Object literal(String word, Object v) throws TokenizerException {
        if (!s.startsWith(word, pos)) throw error("expected " + word);
        pos += word.length();
        return v;
    }

    private Map<String, Object> object(int depth) throws TokenizerException {
        Map<String, Object> m = new LinkedHashMap<>();
        pos++;
        ws();
        if (pos < s.length() && s.charAt(pos) == '}') {
            pos++;
            return m;
        }
        while (true) {
            ws();
            if (pos >= s.length() || s.charAt(pos) != '"') throw error("expected a string key");
            String key = string();
            ws();
            if (pos >= s.length() || s.charAt(pos) != ':') throw error("expected ':'");
            pos++;
            ws();
            m.put(key, value(depth + 1));
            ws();
            if (pos >= s.length()) throw error("unexpected end in object");
            char c = s.charAt(pos++);
            if (c == '}') return m;
            if (c != ',') throw error("expected ',' or '}'");
        }
    }

    private List<Object> array(int depth) throws TokenizerException {
        List<Object> a = new ArrayList<>();
        pos++;
        ws();
        if (pos < s.length() && s.charAt(pos) == ']') {
            pos++;
            return a;
        }
        while (true) {
            ws();
            a.add(value(depth + 1));
            ws();
            if (pos >= s.length()) throw error("unexpected end in array");
            char c = s.charAt(pos++);
            if (c == ']') return a;
            if (c != ',') throw error("expected ',' or ']'");
        }
    }

    private String string() throws TokenizerException {
        StringBuilder b = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= s.length()) throw error("unterminated string");
            char c = s.charAt(pos++);
            if (c == '"') return b.toString();
            if (c < 0x20) throw error("control character in string");
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos >= s.length()) throw error("unterminated escape");
            char e = s.charAt(pos++);
            switch (e) {
                case '"': b.append('"'); break;
                case '\\': b.append('\\'); break;
                case '/': b.append('/'); break;
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'n': b.append('\n'); break;
                case 'r': b.append('\r'); break;
                case 't': b.append('\t'); break;
                case 'u':
                    if (pos + 4 > s.length()) throw error("short \\u escape");
                    try {
                        b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    pos += 4;
                    break;
                default: throw error("bad escape \\" + e);
            }
        }
    }

    private Object number() throws TokenizerException {
        int start = pos;
        if (s.charAt(pos) == '-') pos++;
        int intStart = pos;
        while (pos < s.length() && Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 0x80) pos++;
        if (pos == intStart) throw error("bad number");
        if (pos - intStart > 1 && s.charAt(intStart) == '0') throw error("leading zero");
        boolean frac = false;
        if (pos < s.length() && s.charAt(pos) == '.') {
            frac = true;
            pos++;
            int f = pos;
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') pos++;
            if (pos == f) throw error("bad fraction");
        }
        if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            frac = true;
            pos++;
            if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) pos++;
            int f = pos;
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') pos++;
            if (pos == f) throw error("bad exponent");
        }
        String t = s.substring(start, pos);
        if (!frac) {
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException ignored) {
                // too large for a long: fall through
            }
        }
        return Double.parseDouble(t);
    }

    /** A JSON string literal (control characters, quotes and backslashes escaped). */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    /** JSON text of what {@link #parse} returns (maps, lists, strings, numbers, booleans, null). */
    public static String write(Object v) {
        if (v == null) return "null";
        if (v instanceof String) return quote((String) v);
        if (v instanceof Boolean || v instanceof Long || v instanceof Integer) return v.toString();
        if (v instanceof Number) return Double.toString(((Number) v).doubleValue());
        StringBuilder b = new StringBuilder();
        if (v instanceof Map) {
            b.append('{');
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (b.length() > 1) b.append(", ");
                b.append(quote(String.valueOf(e.getKey()))).append(": ").append(write(e.getValue()));
            }
            return b.append('}').toString();
        }
        if (v instanceof List) {
            b.append('[');
            for (Object o : (List<?>) v) b.append(b.length() > 1 ? ", " : "").append(write(o));
            return b.append(']').toString();
        }
        throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }

    /**
     * float32 values as Python prints them after {@code float(x)}: the exact double of each float, so a float read
     * back in Python is the same number; NaN and infinities as Python's json writes them.
     */
    public static String floatArray(float[] values) {
        StringBuilder b = new StringBuilder(values.length * 12 + 2).append('[');
        for (int i = 0; i < values.length; i++) b.append(i > 0 ? ", " : "").append(Double.toString(values[i]));
        return b.append(']').toString();
    }

    /** JSON text of a list of ints in Python's {@code json.dumps} layout: {@code [2, 17, 3]}. */
    public static String intArray(int[] values) {
        StringBuilder b = new StringBuilder(values.length * 5 + 2).append('[');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) b.append(", ");
            b.append(values[i]);
        }
        return b.append(']').toString();
    }
}
