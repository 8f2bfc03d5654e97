package org.albertedge.core;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

/**
 * What an artifact carries to tokenize raw text: the {@code spiece.model} bytes and the {@code tokenizer.json}
 * config. Readers for the {@code .tflite} appended zip and for the {@code manifest.json} beside an {@code .onnx}.
 * ({@code .pte} bundles come from ExecuTorch's constant methods, see {@link #of}.)
 */
public final class TokenizerBundle {
    public static final String SPIECE = "spiece.model", VOCAB = "vocab.txt", CONFIG = "tokenizer.json";

    public final byte[] spieceModel;
    public final TokenizerConfig config;

    private TokenizerBundle(byte[] spieceModel, TokenizerConfig config) {
        this.spieceModel = spieceModel;
        this.config = config;
    }

    /** From raw bytes, e.g. a {@code .pte}'s {@code tokenizer_model} / {@code tokenizer_config} constant methods. */
    public static TokenizerBundle of(byte[] spieceModel, byte[] tokenizerJson) throws TokenizerException {
        if (spieceModel == null || spieceModel.length == 0) {
            throw new TokenizerException("the artifact carries no SentencePiece model");
        }
        TokenizerConfig cfg = tokenizerJson == null ? TokenizerConfig.defaults() : TokenizerConfig.parse(tokenizerJson);
        return new TokenizerBundle(spieceModel, cfg);
    }

    /** From the bytes of a {@code .tflite} file with the zip appended (entries spiece.model and tokenizer.json). */
    public static TokenizerBundle fromTflite(byte[] tflite) throws TokenizerException {
        Map<String, byte[]> entries;
        try {
            entries = AppendedZip.entries(tflite);
        } catch (TokenizerException e) {
            throw new TokenizerException(".tflite carries no tokenizer: " + e.getMessage());
        }
        byte[] model = entries.containsKey(SPIECE) ? entries.get(SPIECE) : entries.get(VOCAB);
        if (model == null) {
            throw new TokenizerException(".tflite carries no tokenizer: no " + SPIECE + " or " + VOCAB
                    + " in its appended zip (has " + entries.keySet() + ")");
        }
        byte[] cfg = entries.get(CONFIG);
        if (cfg == null) throw new TokenizerException(".tflite carries no " + CONFIG + " in its appended zip");
        return of(model, cfg);
    }

    /**
     * From a folder with {@code manifest.json} (the {@code .onnx} layout): the sidecar names are taken from the
     * manifest (any string value ending in {@code .model} / {@code tokenizer.json}, searched recursively), else
     * {@code spiece.model} / {@code tokenizer.json} beside it.
     */
    public static TokenizerBundle fromManifestDir(File dir) throws TokenizerException {
        File manifest = new File(dir, "manifest.json");
        String modelName = SPIECE, configName = CONFIG;
        if (manifest.isFile()) {
            Object m = Json.parse(read(manifest, "manifest.json"));
            // converters/bundle.py writes {"tokenizer": {"file": "spiece.model", "config": "tokenizer.json", ...}}
            Object t = m instanceof Map ? ((Map<?, ?>) m).get("tokenizer") : null;
            if (t instanceof Map && ((Map<?, ?>) t).get("file") instanceof String) {
                m = t;
            }
            String found = findString(m, ".model");
            if (found == null) found = findString(m, VOCAB);
            if (found != null) modelName = found;
            found = findString(m, CONFIG);
            if (found != null) configName = found;
        }
        if (!manifest.isFile() && !new File(dir, SPIECE).isFile() && new File(dir, VOCAB).isFile()) modelName = VOCAB;
        File model = new File(dir, modelName), cfg = new File(dir, configName);
        byte[] cfgBytes = cfg.isFile() ? read(cfg, configName).getBytes(java.nio.charset.StandardCharsets.UTF_8)
                : null;
        if (!model.isFile()) throw new TokenizerException(dir + ": no " + modelName + " beside the model");
        try {
            return of(Files.readAllBytes(model.toPath()), cfgBytes);
        } catch (IOException e) {
            throw new TokenizerException(model + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private static String findString(Object node, String suffix) {
        if (node instanceof String) return ((String) node).endsWith(suffix) ? (String) node : null;
        if (node instanceof Map) {
            for (Object v : ((Map<?, ?>) node).values()) {
                String s = findString(v, suffix);
                if (s != null) return s;
            }
        }
        if (node instanceof List) {
            for (Object v : (List<?>) node) {
                String s = findString(v, suffix);
                if (s != null) return s;
            }
        }
        return null;
    }

    private static String read(File f, String what) throws TokenizerException {
        try {
            return new String(Files.readAllBytes(f.toPath()), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TokenizerException(what + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** The bundled tokenizer of the kind tokenizer.json names (spieceModel holds vocab.txt for WordPiece). */
    public Tokenizer tokenizer() throws TokenizerException {
        return config.tokenizer(spieceModel);
    }
}
