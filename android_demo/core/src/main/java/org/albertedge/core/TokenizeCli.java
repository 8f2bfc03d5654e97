package org.albertedge.core;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;

/**
 * {@code tokenize.sh SPIECE_MODEL TEXT_FILE}: one JSON array of ids per line of TEXT_FILE ({@code [CLS] … [SEP]}, no
 * truncation or padding, ALBERT defaults). Lines are split on {@code \n} only (a trailing newline ends the last line,
 * it does not start an empty one). Errors: one line on stderr, exit 2. Options (for parity tests of the other
 * settings): --no-lower-case, --keep-accents, --split-digit-comma. A {@code .tflite} in place of the model uses the
 * tokenizer carried in its appended zip, with that bundle's tokenizer.json settings (options ignored).
 *
 * <p>{@code --jsonl MODEL REQUESTS}: one request a line, {@code {"text", "pair" (or null), "max_length" (0: none),
 * "padding", "settings" (a bundle tokenizer.json: kind and its options)}}; answers one line each,
 * {@code {"ids", "types", "mask", "offsets" (null where not tracked)}}. One JVM for many texts and settings: what the
 * differential tests against HF use.
 */
public final class TokenizeCli {
    static final String USAGE = "usage: tokenize.sh [--no-lower-case] [--keep-accents] [--split-digit-comma] "
            + "SPIECE_MODEL TEXT_FILE | tokenize.sh --jsonl SPIECE_MODEL_OR_VOCAB_TXT REQUESTS.jsonl";

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (TokenizerException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        } catch (IllegalStateException e) { // a corrupt charsmap trie found while normalizing
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    static int run(String[] args) throws TokenizerException {
        if (args.length == 3 && args[0].equals("--jsonl")) return jsonl(args[1], args[2]);
        boolean lower = true, keepAccents = false, splitDigitComma = false;
        java.util.List<String> pos = new java.util.ArrayList<>();
        for (String a : args) {
            switch (a) {
                case "--no-lower-case": lower = false; break;
                case "--keep-accents": keepAccents = true; break;
                case "--split-digit-comma": splitDigitComma = true; break;
                default:
                    if (a.startsWith("--")) {
                        System.err.println("error: unknown option " + a + "; " + USAGE);
                        return 2;
                    }
                    pos.add(a);
            }
        }
        if (pos.size() != 2) {
            System.err.println(USAGE);
            return 2;
        }
        String modelPath = pos.get(0), textPath = pos.get(1);
        Tokenizer tok;
        try {
            byte[] model = readFile(modelPath, "SentencePiece model");
            if (modelPath.endsWith(".tflite")) {
                // The artifact's own tokenizer: spiece.model + tokenizer.json settings from the appended zip.
                tok = TokenizerBundle.fromTflite(model).tokenizer();
            } else {
                tok = new AlbertTokenizer(SentencePieceModel.parse(model), lower, keepAccents, splitDigitComma);
            }
        } catch (TokenizerException e) {
            throw new TokenizerException(modelPath + ": " + e.getMessage());
        }
        byte[] text = readFile(textPath, "text file");
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        try {
            int start = 0, lineNo = 0;
            while (start < text.length) {
                int end = start;
                while (end < text.length && text[end] != '\n') end++;
                lineNo++;
                String line;
                try {
                    line = dec.decode(ByteBuffer.wrap(text, start, end - start)).toString();
                } catch (CharacterCodingException e) {
                    out.flush();
                    throw new TokenizerException(textPath + ": line " + lineNo + " is not valid UTF-8");
                }
                out.write(Json.intArray(tok.encode(line)));
                out.write('\n');
                start = end + 1;
            }
            out.flush();
        } catch (IOException e) {
            throw new TokenizerException("cannot write output (" + e.getMessage() + ")");
        }
        return 0;
    }

    private static int jsonl(String modelPath, String requestsPath) throws TokenizerException {
        byte[] model = readFile(modelPath, "tokenizer file");
        String requests = new String(readFile(requestsPath, "requests file"), StandardCharsets.UTF_8);
        java.util.Map<String, Tokenizer> bySettings = new java.util.HashMap<>();
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        int lineNo = 0;
        try {
            for (String line : requests.split("\n")) {
                lineNo++;
                if (line.isEmpty()) continue;
                java.util.Map<String, Object> req = Json.parseObject(line);
                Object settings = req.get("settings");
                String key = String.valueOf(settings);
                Tokenizer tok = bySettings.get(key);
                if (tok == null) {
                    tok = TokenizerConfig.parse(settingsJson(settings)).tokenizer(model);
                    bySettings.put(key, tok);
                }
                Object pair = req.get("pair");
                Object max = req.get("max_length");
                Encoding e = tok.encode((String) req.get("text"), pair instanceof String ? (String) pair : null,
                        max instanceof Long ? (int) (long) (Long) max : 0, Boolean.TRUE.equals(req.get("padding")));
                out.write("{\"ids\":" + Json.intArray(e.ids) + ",\"types\":" + Json.intArray(e.typeIds)
                        + ",\"mask\":" + Json.intArray(e.attentionMask) + ",\"offsets\":");
                if (e.offsets == null) {
                    out.write("null");
                } else {
                    out.write('[');
                    for (int i = 0; i < e.offsets.length; i++) {
                        out.write((i > 0 ? "," : "") + Json.intArray(e.offsets[i]));
                    }
                    out.write(']');
                }
                out.write("}\n");
            }
            out.flush();
        } catch (IOException e) {
            throw new TokenizerException("cannot write output (" + e.getMessage() + ")");
        } catch (ClassCastException | IllegalArgumentException e) {
            throw new TokenizerException(requestsPath + ": line " + lineNo + " is not a valid request ("
                    + e.getMessage() + ")");
        }
        return 0;
    }

    /** The settings object back as JSON text for {@link TokenizerConfig#parse} (strings, booleans, ints, maps). */
    private static String settingsJson(Object v) {
        if (v == null) return "null";
        if (v instanceof String) return Json.quote((String) v);
        if (v instanceof java.util.Map) {
            StringBuilder b = new StringBuilder("{");
            for (java.util.Map.Entry<?, ?> e : ((java.util.Map<?, ?>) v).entrySet()) {
                if (b.length() > 1) b.append(',');
                b.append(Json.quote(String.valueOf(e.getKey()))).append(':').append(settingsJson(e.getValue()));
            }
            return b.append('}').toString();
        }
        return String.valueOf(v);
    }

    private static byte[] readFile(String path, String what) throws TokenizerException {
        try {
            return Files.readAllBytes(Paths.get(path));
        } catch (NoSuchFileException e) {
            throw new TokenizerException(path + ": " + what + " not found");
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException(path + ": cannot read " + what + " (" + e.getMessage() + ")");
        }
    }
}
