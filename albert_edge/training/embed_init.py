"""Student word embeddings from what the teacher makes of each piece (a component of `run`'s student recipe).

A student distilled from scratch learns what "awful" means only from the transfer texts it sees. The fine-tuned
teacher already knows: its pooled vector for the piece's surface text ("awful", "▁un" -> "un") carries the task's
sense of it. We run the teacher on every piece of the student's vocabulary, reduce those vectors to the student's
embedding size E by PCA (they live in the teacher's width, e.g. 384); `distill` scales them to the std of the random
init they replace, so the training dynamics stay those of a fresh model. Works across tokenizers and families: a piece need not
exist in the teacher's vocabulary; special, control and byte pieces keep their random rows.
"""

from __future__ import annotations

import numpy as np


def piece_surfaces(tok) -> list[str | None]:
    """The text each student id stands for (None: special, byte or empty pieces)."""
    special = set(tok.special_ids.values())
    if hasattr(tok, "sp"):  # SentencePiece
        pieces = [tok.sp.IdToPiece(i) for i in range(tok.vocab_size)]
        skip = {i for i in range(tok.vocab_size) if tok.sp.IsControl(i) or tok.sp.IsUnknown(i) or tok.sp.IsByte(i)}
        texts = [p.replace("\u2581", " ").strip() for p in pieces]
    else:  # WordPiece: continuation pieces "##ing" read as "ing"
        inv = {i: p for p, i in tok.vocab.items()}
        texts = [inv.get(i, "").removeprefix("##") for i in range(tok.vocab_size)]
        skip = {i for i, t in enumerate(texts) if t.startswith("[") and t.endswith("]")}
    return [None if i in special or i in skip or not t else t for i, t in enumerate(texts)]


def teacher_piece_embeddings(teacher, tok, dim: int, std: float = 1.0, *, progress: bool = False,
                             cache=None) -> tuple[np.ndarray, np.ndarray]:
    """(vocab x k) float32 rows, k = min(dim, the teacher's width), and the boolean mask of the rows that were set
    from the teacher. A teacher narrower than the student's E fills the first k columns; the rest keep their init."""
    surfaces = piece_surfaces(tok)
    ids = [i for i, s in enumerate(surfaces) if s is not None]
    mask = np.zeros(tok.vocab_size, dtype=bool)
    if len(ids) <= dim:  # too few pieces to span E directions
        return np.zeros((tok.vocab_size, 0), dtype=np.float32), mask
    _, vec = teacher.features([surfaces[i] for i in ids], batch_size=256, cache=cache, progress=progress,
                              description="teacher on the student's pieces")
    vec = vec - vec.mean(0, keepdims=True)
    # principal directions of the piece vectors: the E of them that keep the most of what tells pieces apart
    _, _, vt = np.linalg.svd(vec, full_matrices=False)
    proj = vec @ vt[:dim].T
    proj *= std / max(float(proj.std()), 1e-12)
    rows = np.zeros((tok.vocab_size, proj.shape[1]), dtype=np.float32)
    rows[ids], mask[ids] = proj, True
    return rows, mask


def cooccurrence_embeddings(tok, texts: list[str], dim: int, *, window: int = 5, min_count: int = 3,
                            max_length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows from the task's own text when no teacher has vectors (an n-gram teacher): the truncated SVD of the
    pieces' positive pointwise mutual information within `window` pieces (Levy & Goldberg 2014: what word2vec's
    skip-gram factorizes, in seconds instead of an MLM's epochs). Same (rows, mask) as teacher_piece_embeddings;
    pieces seen fewer than `min_count` times keep their random rows."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import svds

    v = tok.vocab_size
    surfaces = piece_surfaces(tok)
    rows_i, cols_i, counts = [], [], np.zeros(v, dtype=np.int64)
    for t in texts:
        ids = np.asarray([i for i in tok.encode(t, max_length=max_length).ids if surfaces[i] is not None],
                         dtype=np.int64)
        np.add.at(counts, ids, 1)
        for d in range(1, window + 1):  # both directions, weighted 1 at every distance
            rows_i += [ids[:-d], ids[d:]]
            cols_i += [ids[d:], ids[:-d]]
    mask = counts >= min_count
    if mask.sum() <= dim or not rows_i:
        return np.zeros((v, 0), dtype=np.float32), np.zeros(v, dtype=bool)
    r, c = np.concatenate(rows_i), np.concatenate(cols_i)
    m = coo_matrix((np.ones(len(r), dtype=np.float64), (r, c)), shape=(v, v)).tocsr()
    m.sum_duplicates()
    total = m.sum()
    p_row = np.asarray(m.sum(1)).ravel() / total
    p_ctx = np.asarray(m.sum(0)).ravel() ** 0.75  # context smoothing: rare contexts inflate PMI otherwise
    p_ctx /= p_ctx.sum()
    m = m.tocoo()
    pmi = np.log(m.data / total) - np.log(p_row[m.row]) - np.log(p_ctx[m.col])
    keep = pmi > 0
    ppmi = coo_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=(v, v)).tocsr()
    u, s, _ = svds(ppmi, k=dim, random_state=0)
    vec = u * np.sqrt(s)  # symmetric weighting of the factors, the usual choice for word similarity
    rows = np.zeros((v, dim), dtype=np.float32)
    rows[mask] = (vec[mask] / max(float(vec[mask].std()), 1e-12)).astype(np.float32)
    return rows, mask
