package org.albertedge.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates the repository's test assets: -Drepo.root (set by build.sh), else walks up from the working directory. */
final class TestAssets {
    private TestAssets() {}

    static Path root() {
        String prop = System.getProperty("repo.root");
        if (prop != null) return Paths.get(prop);
        Path p = Paths.get("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("tests/assets"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("tests/assets not found; run with -Drepo.root=REPO");
        return p;
    }

    static Path asset(String rel) {
        return root().resolve("tests/assets").resolve(rel);
    }

    static byte[] spiece() throws IOException {
        return Files.readAllBytes(asset("spiece/spiece.model"));
    }

    static AlbertTokenizer tokenizer() throws Exception {
        return new AlbertTokenizer(SentencePieceModel.parse(spiece()));
    }
}
