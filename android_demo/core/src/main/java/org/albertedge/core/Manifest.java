package org.albertedge.core;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code manifest.json} as albert_edge/manifest.py writes it: exactly the fields of docs/manifest.schema.json,
 * format_version 2 only. A missing, mistyped or unknown field, or another version, is a {@link TokenizerException}
 * naming the field. {@link #checkArtifact} compares a file with the sha256 its entry records.
 */
public final class Manifest {
    public static final String FILE = "manifest.json";
    public static final int FORMAT_VERSION = 2;
    static final String[] BACKENDS = {"executorch", "tflite", "onnx"};
    static final String[] TOKENIZER_KINDS = {"sentencepiece", "wordpiece"};

    public final int formatVersion;
    public final Task task;
    public final List<String> labels;
    public final List<Integer> seqLens;
    public final TokenizerEntry tokenizer;
    public final Map<String, Object> source;
    public final Map<String, String> toolchain;
    public final List<ArtifactEntry> artifacts;

    /** The {@code tokenizer} object: kind, bundled files with their sha256, the bundle JSON's name and sha256. */
    public static final class TokenizerEntry {
        public final String kind;
        public final Map<String, String> files;
        public final String config;
        public final String configSha256;
        public final Map<String, Object> settings;
        public final Map<String, Integer> specialIds;

        TokenizerEntry(JsonFields f) throws TokenizerException {
            f.only(Set.of("kind", "files", "config", "config_sha256", "settings", "special_ids"));
            kind = f.oneOf("kind", TOKENIZER_KINDS);
            files = f.shaMap("files");
            config = f.str("config");
            configSha256 = f.sha256("config_sha256");
            settings = f.map("settings", false);
            specialIds = f.intMap("special_ids", Integer.MIN_VALUE);
        }
    }

    /** One tensor of an artifact's signature; a shape entry is an Integer or the String name of a dynamic axis. */
    public static final class Tensor {
        public final String name;
        public final String dtype;
        public final List<Object> shape;

        Tensor(JsonFields f) throws TokenizerException {
            f.only(Set.of("name", "dtype", "shape"));
            name = f.str("name");
            dtype = f.oneOf("dtype", "int32", "int64", "float32");
            List<Object> s = new ArrayList<>();
            for (Object o : f.list("shape", 0)) {
                String at = f.where + ".shape[" + s.size() + "]";
                s.add(o instanceof String ? o : (Object) JsonFields.int32(o, Integer.MIN_VALUE, at));
            }
            shape = Collections.unmodifiableList(s);
        }
    }

    /** One entry of {@code artifacts}. */
    public static final class ArtifactEntry {
        public final String file;
        public final String backend;
        public final String precision;
        public final long bytes;
        public final String sha256;
        /** Method / signature name → the sequence length it runs (0: any). */
        public final Map<String, Integer> entryPoints;
        public final List<Tensor> inputs;
        public final List<Tensor> outputs;
        public final Map<String, Object> parity;
        /** null for an fp32 artifact. */
        public final Map<String, Object> quantization;
        public final Map<String, Object> delegation;
        /** null: not measured. */
        public final Boolean weightsShared;
        /** null: not recorded. */
        public final Double convertSeconds;
        public final Map<String, Object> details;

        ArtifactEntry(JsonFields f) throws TokenizerException {
            f.only(Set.of("file", "backend", "precision", "bytes", "sha256", "entry_points", "inputs", "outputs",
                    "parity", "quantization", "delegation", "weights_shared", "convert_seconds", "details"));
            file = f.str("file");
            backend = f.oneOf("backend", BACKENDS);
            precision = f.oneOf("precision", "fp32", "int8");
            bytes = f.integer("bytes", 1);
            sha256 = f.sha256("sha256");
            entryPoints = f.intMap("entry_points", 0);
            inputs = tensors(f, "inputs");
            outputs = tensors(f, "outputs");
            parity = f.map("parity", false);
            quantization = f.map("quantization", true);
            delegation = f.map("delegation", false);
            Object w = f.raw("weights_shared");
            if (w != null && !(w instanceof Boolean)) {
                throw new TokenizerException(f.where + ".weights_shared is not true/false/null");
            }
            weightsShared = (Boolean) w;
            Object s = f.raw("convert_seconds");
            if (s != null && !(s instanceof Number)) {
                throw new TokenizerException(f.where + ".convert_seconds is not a number");
            }
            convertSeconds = s == null ? null : ((Number) s).doubleValue();
            details = f.map("details", false);
        }

        private static List<Tensor> tensors(JsonFields f, String key) throws TokenizerException {
            List<Tensor> out = new ArrayList<>();
            for (Object o : f.list(key, 0)) {
                out.add(new Tensor(JsonFields.of(o, f.where + "." + key + "[" + out.size() + "]")));
            }
            return Collections.unmodifiableList(out);
        }
    }

    private Manifest(JsonFields f) throws TokenizerException {
        Object version = f.has("format_version") ? f.raw("format_version") : null;
        if (!Long.valueOf(FORMAT_VERSION).equals(version)) {
            throw new TokenizerException(f.where + ": manifest format_version " + version + ", this app reads "
                    + FORMAT_VERSION + "; convert the model again with albert-edge convert");
        }
        f.only(Set.of("format_version", "task", "labels", "seq_lens", "tokenizer", "source", "toolchain", "artifacts"));
        formatVersion = FORMAT_VERSION;
        task = Task.of(f.str("task"), f.where);
        labels = f.strings("labels", 1);
        seqLens = f.ints("seq_lens", 1, 3);
        tokenizer = new TokenizerEntry(f.obj("tokenizer"));
        source = f.map("source", false);
        Map<String, Object> tc = f.map("toolchain", false);
        for (Map.Entry<String, Object> e : tc.entrySet()) {
            if (!(e.getValue() instanceof String)) {
                throw new TokenizerException(f.where + ".toolchain." + e.getKey() + " is not a string");
            }
        }
        @SuppressWarnings("unchecked") Map<String, String> versions = (Map<String, String>) (Map<?, ?>) tc;
        toolchain = versions;
        List<ArtifactEntry> arts = new ArrayList<>();
        for (Object o : f.list("artifacts", 0)) {
            arts.add(new ArtifactEntry(JsonFields.of(o, f.where + ".artifacts[" + arts.size() + "]")));
        }
        artifacts = Collections.unmodifiableList(arts);
    }

    public static Manifest parse(String json, String where) throws TokenizerException {
        Object root;
        try {
            root = Json.parse(json);
        } catch (TokenizerException e) {
            throw new TokenizerException(where + ": " + e.getMessage());
        }
        return new Manifest(JsonFields.of(root, where));
    }

    /** {@code manifest.json} itself, or the one in the given folder. */
    public static Manifest read(File fileOrFolder) throws TokenizerException {
        File f = fileOrFolder.isDirectory() ? new File(fileOrFolder, FILE) : fileOrFolder;
        if (!f.isFile()) {
            throw new TokenizerException(f + ": no manifest.json; give the folder albert-edge convert wrote");
        }
        try {
            return parse(new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8), f.getPath());
        } catch (IOException e) {
            throw new TokenizerException(f + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** The manifest in the artifact's folder, or null when there is none (an artifact copied on its own). */
    public static Manifest beside(File artifact) throws TokenizerException {
        File m = new File(artifact.getAbsoluteFile().getParentFile(), FILE);
        return m.isFile() ? read(m) : null;
    }

    /** The entry for this file name, or null. */
    public ArtifactEntry artifact(String file) {
        for (ArtifactEntry a : artifacts) if (a.file.equals(file)) return a;
        return null;
    }

    /** When this manifest lists the file, the file must have the size and sha256 it records. */
    public void checkArtifact(File file) throws TokenizerException {
        ArtifactEntry e = artifact(file.getName());
        if (e == null) return;
        String digest;
        try {
            digest = file.length() == e.bytes ? Sha256.hex(file) : null;
        } catch (IOException ex) {
            throw new TokenizerException(file + ": cannot read (" + ex.getMessage() + ")");
        }
        if (!e.sha256.equals(digest)) {
            throw new CorruptArtifactException(file.getPath(), "sha256 differs from " + FILE
                    + " beside it; the file changed after conversion — convert it again");
        }
    }
}
