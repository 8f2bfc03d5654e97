package org.albertedge.core;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A converted artifact on disk, checked before use: the sha256 the manifest.json beside it records (when one lies
 * there), then what the file carries itself — {@code .pte}: the 40-byte trailer (sha256 of every preceding byte +
 * {@code AEPTESUM}); {@code .tflite}: checksums.json and the zip CRCs of its bundle; {@code .onnx} (a folder format,
 * its manifest required): its sidecars against the manifest. The same checks, in the same order, as Python's
 * albert_edge/runtime/integrity.py.
 * The {@code .tflite} and {@code .onnx} bundles are read here; a {@code .pte}'s comes from its constant methods
 * through the ExecuTorch runtime ({@link TokenizerBundle#fromPte}).
 *
 * <pre>
 *   Artifact a = Artifact.open(new File(dir, "model_int8.tflite"));   // CorruptArtifactException if it fails a check
 *   Tokenizer tok = a.bundle.tokenizer();
 * </pre>
 */
public final class Artifact {
    public static final String PTE_MAGIC = "AEPTESUM";
    public static final int PTE_TRAILER = 32 + 8;

    public final File file;
    /** "executorch", "tflite" or "onnx" (the manifest's backend names). */
    public final String backend;
    /** The manifest beside the file, or null. */
    public final Manifest manifest;
    /** The carried bundle; null for a .pte (see the class comment). */
    public final TokenizerBundle bundle;

    private Artifact(File file, String backend, Manifest manifest, TokenizerBundle bundle) {
        this.file = file;
        this.backend = backend;
        this.manifest = manifest;
        this.bundle = bundle;
    }

    static String backendOf(File file) throws TokenizerException {
        String name = file.getName().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".pte")) return "executorch";
        if (name.endsWith(".tflite")) return "tflite";
        if (name.endsWith(".onnx")) return "onnx";
        throw new TokenizerException(file + ": not an albert-edge artifact (.pte, .tflite or .onnx)");
    }

    public static Artifact open(File file) throws TokenizerException {
        String backend = backendOf(file);
        if (!file.isFile()) throw new TokenizerException(file + ": not found");
        Manifest manifest = Manifest.beside(file);
        if (manifest != null) manifest.checkArtifact(file);
        switch (backend) {
            case "executorch":
                checkPte(file);
                return new Artifact(file, backend, manifest, null);
            case "tflite":
                byte[] data;
                try {
                    data = Files.readAllBytes(file.toPath());
                } catch (IOException e) {
                    throw new TokenizerException(file + ": cannot read (" + e.getMessage() + ")");
                }
                return new Artifact(file, backend, manifest, TokenizerBundle.fromTflite(data, file.getPath()));
            default:
                if (manifest == null || manifest.artifact(file.getName()) == null) {
                    throw new TokenizerException(file + ": " + (manifest == null ? "no manifest.json beside it"
                            : "the manifest.json beside it does not list it") + "; an .onnx is a folder format (the "
                            + "manifest records the sha256 of the model and its sidecars): keep it in the folder "
                            + "albert-edge convert wrote");
                }
                return new Artifact(file, backend, manifest, TokenizerBundle.fromOnnx(file, manifest));
        }
    }

    /** The {@code .pte} ends with sha256(every preceding byte) + {@code AEPTESUM}; streamed, the file may be large. */
    public static void checkPte(File pte) throws TokenizerException {
        try (RandomAccessFile f = new RandomAccessFile(pte, "r")) {
            long body = f.length() - PTE_TRAILER;
            if (body < 0) {
                throw new CorruptArtifactException(pte.getPath(), "no integrity trailer (shorter than "
                        + PTE_TRAILER + " bytes); convert it again");
            }
            byte[] trailer = new byte[PTE_TRAILER];
            f.seek(body);
            f.readFully(trailer);
            if (!PTE_MAGIC.equals(new String(trailer, 32, 8, StandardCharsets.US_ASCII))) {
                throw new CorruptArtifactException(pte.getPath(), "no integrity trailer (the file does not end in "
                        + PTE_MAGIC + "): truncated, altered, or not written by albert-edge convert; convert it again");
            }
            MessageDigest d = Sha256.digest();
            byte[] buf = new byte[1 << 16];
            f.seek(0);
            for (long left = body; left > 0; ) {
                int n = f.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) throw new IOException("file shrank while reading");
                d.update(buf, 0, n);
                left -= n;
            }
            if (!Arrays.equals(d.digest(), Arrays.copyOf(trailer, 32))) {
                throw new CorruptArtifactException(pte.getPath(), "fails its sha256 check (integrity trailer); the "
                        + "file changed after conversion — convert it again");
            }
        } catch (IOException e) {
            throw new TokenizerException(pte + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
