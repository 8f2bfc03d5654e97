package org.albertedge.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tokenizer.json} that travels inside every artifact (docs/BUNDLE_FORMAT.md): ALBERT's preprocessing
 * settings, the special ids, labels, sequence lengths and I/O names. Missing keys take ALBERT's defaults.
 */
public final class TokenizerConfig {
    public final boolean doLowerCase, removeSpace, keepAccents, splitDigitComma;
    public final Map<String, Integer> specialIds;
    public final List<String> labels;
    public final List<Integer> seqLens;
    public final List<String> inputs;
    public final String output;

    private TokenizerConfig(boolean doLowerCase, boolean removeSpace, boolean keepAccents, boolean splitDigitComma,
                            Map<String, Integer> specialIds, List<String> labels, List<Integer> seqLens,
                            List<String> inputs, String output) {
        this.doLowerCase = doLowerCase;
        this.removeSpace = removeSpace;
        this.keepAccents = keepAccents;
        this.splitDigitComma = splitDigitComma;
        this.specialIds = Collections.unmodifiableMap(specialIds);
        this.labels = Collections.unmodifiableList(labels);
        this.seqLens = Collections.unmodifiableList(seqLens);
        this.inputs = Collections.unmodifiableList(inputs);
        this.output = output;
    }

    /** ALBERT defaults, no labels. */
    public static TokenizerConfig defaults() {
        return new TokenizerConfig(true, true, false, false, new LinkedHashMap<>(), new ArrayList<>(),
                new ArrayList<>(), List.of("input_ids", "attention_mask"), "logits");
    }

    public static TokenizerConfig parse(byte[] utf8) throws TokenizerException {
        return parse(new String(utf8, StandardCharsets.UTF_8));
    }

    public static TokenizerConfig parse(String text) throws TokenizerException {
        Map<String, Object> m;
        try {
            m = Json.parseObject(text);
        } catch (TokenizerException e) {
            throw new TokenizerException("tokenizer.json: " + e.getMessage());
        }
        Map<String, Integer> special = new LinkedHashMap<>();
        Object sp = m.get("special_ids");
        if (sp != null) {
            if (!(sp instanceof Map)) throw new TokenizerException("tokenizer.json: special_ids is not an object");
            for (Map.Entry<?, ?> e : ((Map<?, ?>) sp).entrySet()) {
                special.put((String) e.getKey(), intValue(e.getValue(), "special_ids." + e.getKey()));
            }
        }
        List<String> labels = new ArrayList<>();
        for (Object o : list(m, "labels")) labels.add(String.valueOf(o));
        List<Integer> seqLens = new ArrayList<>();
        for (Object o : list(m, "seq_lens")) seqLens.add(intValue(o, "seq_lens"));
        List<String> inputs = new ArrayList<>();
        for (Object o : list(m, "inputs")) inputs.add(String.valueOf(o));
        if (inputs.isEmpty()) inputs = List.of("input_ids", "attention_mask");
        Object out = m.get("output");
        return new TokenizerConfig(bool(m, "do_lower_case", true), bool(m, "remove_space", true),
                bool(m, "keep_accents", false), bool(m, "split_digit_comma", false), special, labels, seqLens,
                inputs, out instanceof String ? (String) out : "logits");
    }

    private static boolean bool(Map<String, Object> m, String key, boolean dflt) throws TokenizerException {
        Object v = m.get(key);
        if (v == null) return dflt;
        if (!(v instanceof Boolean)) throw new TokenizerException("tokenizer.json: " + key + " is not true/false");
        return (Boolean) v;
    }

    private static List<?> list(Map<String, Object> m, String key) throws TokenizerException {
        Object v = m.get(key);
        if (v == null) return List.of();
        if (!(v instanceof List)) throw new TokenizerException("tokenizer.json: " + key + " is not a list");
        return (List<?>) v;
    }

    private static int intValue(Object v, String what) throws TokenizerException {
        if (v instanceof Long && (Long) v >= Integer.MIN_VALUE && (Long) v <= Integer.MAX_VALUE) {
            return (int) (long) (Long) v;
        }
        throw new TokenizerException("tokenizer.json: " + what + " is not an integer");
    }

    /** The sequence length to run with: the longest of seq_lens, else {@code fallback}. */
    public int maxSeqLen(int fallback) {
        int best = 0;
        for (int l : seqLens) best = Math.max(best, l);
        return best > 0 ? best : fallback;
    }
}
