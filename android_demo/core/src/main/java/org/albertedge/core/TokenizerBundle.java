package org.albertedge.core;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an artifact carries to turn raw text into inputs and outputs into results (docs/BUNDLE_FORMAT.md): the
 * tokenizer file and the bundle JSON ({@code tokenizer.json}: kind, files with their sha256, settings, special ids,
 * labels, sequence lengths, task). Every reader checks the file against the sha256 the bundle JSON lists, and what
 * the artifact's own layout adds ({@code .tflite}: checksums.json and zip CRCs; {@code .pte}: the bundle_sha256
 * constant; {@code .onnx}: the manifest's sha256 of each sidecar), before anything is parsed. A failed check is a
 * {@link CorruptArtifactException}.
 */
public final class TokenizerBundle {
    public static final String CONFIG = "tokenizer.json", CHECKSUMS = "checksums.json";

    /** The tokenizer file's name ({@code spiece.model}, {@code vocab.txt}) and bytes. */
    public final String fileName;
    public final byte[] file;
    /** The bundle JSON's raw bytes and its reading. */
    public final byte[] configBytes;
    public final TokenizerConfig config;
    public final Task task;
    /** Tokenizer file name → sha256, as the bundle JSON lists them. */
    public final Map<String, String> files;

    private TokenizerBundle(String fileName, byte[] file, byte[] configBytes, TokenizerConfig config, Task task,
                            Map<String, String> files) {
        this.fileName = fileName;
        this.file = file;
        this.configBytes = configBytes;
        this.config = config;
        this.task = task;
        this.files = files;
    }

    /**
     * The bundle JSON read as albert_edge/runtime/bundle.py reads it: the bundle fields (kind, files, special_ids,
     * labels, seq_lens, task) are required; every other key is a tokenizer setting ({@link TokenizerConfig}).
     * {@code files} name exactly one file: both tokenizer kinds are one file.
     */
    private static TokenizerBundle parse(byte[] configBytes, Map<String, byte[]> carried, String where)
            throws TokenizerException {
        JsonFields f;
        TokenizerConfig cfg;
        try {
            f = JsonFields.of(Json.parse(new String(configBytes, StandardCharsets.UTF_8)), CONFIG);
            f.oneOf("kind", Manifest.TOKENIZER_KINDS);
            f.strings("labels", 1);
            f.ints("seq_lens", 1, 3);
            f.intMap("special_ids", Integer.MIN_VALUE);
            cfg = TokenizerConfig.parse(configBytes);
        } catch (TokenizerException e) {
            throw new CorruptArtifactException(where, e.getMessage().startsWith(CONFIG) ? e.getMessage()
                    : CONFIG + ": " + e.getMessage());
        }
        Map<String, String> files;
        try {
            files = f.shaMap("files");
        } catch (TokenizerException e) {
            throw new CorruptArtifactException(where, e.getMessage());
        }
        if (files.size() != 1) {
            throw new CorruptArtifactException(where, CONFIG + " lists " + files.size()
                    + " tokenizer files; this app reads bundles of one (spiece.model or vocab.txt)");
        }
        String name = files.keySet().iterator().next();
        byte[] data = carried.get(name);
        if (data == null) throw new CorruptArtifactException(where, "bundled " + name + " missing");
        if (!Sha256.hex(data).equals(files.get(name))) {
            throw new CorruptArtifactException(where, "bundled " + name + " fails its sha256 check");
        }
        Task task = Task.of(f.str("task"), where);
        return new TokenizerBundle(name, data, configBytes, cfg, task, files);
    }

    /**
     * From a {@code .pte}'s constant methods {@code tokenizer_model}, {@code tokenizer_config} and
     * {@code bundle_sha256} (hex ASCII of the config's sha256), read by the ExecuTorch runtime.
     */
    public static TokenizerBundle fromPte(byte[] tokenizerModel, byte[] tokenizerConfig, byte[] bundleSha256,
                                          String where) throws TokenizerException {
        if (tokenizerConfig == null || bundleSha256 == null
                || !Sha256.hex(tokenizerConfig).equals(new String(bundleSha256, StandardCharsets.US_ASCII))) {
            throw new CorruptArtifactException(where, "the bundled tokenizer config fails its sha256 check");
        }
        return of(tokenizerModel, tokenizerConfig, where);
    }

    /** From the tokenizer file's bytes and the bundle JSON's bytes (the file's name is the one the JSON lists). */
    public static TokenizerBundle of(byte[] tokenizerFile, byte[] tokenizerJson, String where)
            throws TokenizerException {
        if (tokenizerJson == null) throw new CorruptArtifactException(where, "carries no " + CONFIG);
        Map<String, byte[]> carried = new LinkedHashMap<>();
        if (tokenizerFile != null) {
            // the one name the JSON lists; a JSON that lists none or several is refused by parse
            for (String name : namesIn(tokenizerJson)) carried.put(name, tokenizerFile);
        }
        return parse(tokenizerJson, carried, where);
    }

    private static List<String> namesIn(byte[] tokenizerJson) {
        try {
            return List.copyOf(JsonFields.of(Json.parse(new String(tokenizerJson, StandardCharsets.UTF_8)), CONFIG)
                    .map("files", false).keySet());
        } catch (TokenizerException e) {
            return List.of(); // parse reports it
        }
    }

    /**
     * From the bytes of a {@code .tflite} with its bundle zip appended: {@code checksums.json}'s {@code model} must
     * be the sha256 of the flatbuffer body (the bytes before the first zip entry), the zip CRCs must hold.
     */
    public static TokenizerBundle fromTflite(byte[] tflite, String where) throws TokenizerException {
        AppendedZip zip;
        try {
            zip = AppendedZip.read(tflite);
        } catch (TokenizerException e) {
            throw new CorruptArtifactException(where, "no readable bundle inside (" + e.getMessage()
                    + "); convert it again with albert-edge convert");
        }
        byte[] sums = zip.entries.get(CHECKSUMS), conf = zip.entries.get(CONFIG);
        if (sums == null || conf == null) {
            throw new CorruptArtifactException(where, "the bundle inside lacks " + CONFIG + " / " + CHECKSUMS
                    + " (has " + zip.entries.keySet() + "); convert it again with albert-edge convert");
        }
        String model;
        try {
            model = JsonFields.of(Json.parse(new String(sums, StandardCharsets.UTF_8)), CHECKSUMS).sha256("model");
        } catch (TokenizerException e) {
            model = null;
        }
        if (!Sha256.toHex(Sha256.raw(tflite, 0, zip.bodyLength)).equals(model)) {
            throw new CorruptArtifactException(where, "the model body fails its sha256 check");
        }
        return parse(conf, zip.entries, where);
    }

    /** {@link #fromTflite(byte[], String)} for bytes of unknown origin. */
    public static TokenizerBundle fromTflite(byte[] tflite) throws TokenizerException {
        return fromTflite(tflite, ".tflite");
    }

    /**
     * The sidecars of an {@code .onnx} (a folder format): the tokenizer file(s) and {@code tokenizer.json} beside it,
     * each with the sha256 the folder's manifest records.
     */
    public static TokenizerBundle fromOnnx(File onnx, Manifest manifest) throws TokenizerException {
        File dir = onnx.getAbsoluteFile().getParentFile();
        Map<String, String> expected = new LinkedHashMap<>(manifest.tokenizer.files);
        expected.put(CONFIG, manifest.tokenizer.configSha256);
        Map<String, byte[]> carried = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            File side = new File(dir, e.getKey());
            if (!side.isFile() || !side.getAbsoluteFile().getParentFile().equals(dir)) {
                throw new TokenizerException(onnx + ": tokenizer sidecar " + side + " missing; keep the .onnx in its "
                        + "converted folder");
            }
            byte[] data = read(side);
            if (!Sha256.hex(data).equals(e.getValue())) {
                throw new CorruptArtifactException(side.getPath(), "sha256 differs from "
                        + new File(dir, Manifest.FILE) + "; the file changed after conversion — convert it again");
            }
            carried.put(e.getKey(), data);
        }
        return parse(carried.remove(CONFIG), carried, new File(dir, CONFIG).getPath());
    }

    private static byte[] read(File f) throws TokenizerException {
        try {
            return Files.readAllBytes(f.toPath());
        } catch (IOException e) {
            throw new TokenizerException(f + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** The bundled tokenizer of the kind tokenizer.json names. */
    public Tokenizer tokenizer() throws TokenizerException {
        return config.tokenizer(file);
    }
}
