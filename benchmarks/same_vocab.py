"""Does a student that reads its ALBERT teacher's vocabulary (training.same_vocab) beat one with its own?

    python benchmarks/same_vocab.py [N_TRAIN]   -> benchmarks/results/same_vocab_zh.json   (~15 min on 2 cores)

Chinese reviews (zh-reviews split, N_TRAIN stratified training texts, 64 tokens). The teacher is the only kind of
Chinese ALBERT available offline here: a 3-pass ALBERT (E128/H312) with a WordPiece vocab.txt trained on the
training reviews, fine-tuned from scratch on the labels (no pretraining: a hub checkpoint is not reachable). Four
students (E128/H312, 2 passes, KD alpha 0.7 T 2, 3 epochs), all scored on the whole test split:
own SentencePiece (what `run` does by default) / the teacher's vocab.txt with random embeddings / + the teacher's
embeddings copied / + hidden-state transfer (weight 1.0).
"""
import json, sys, time, numpy as np, torch
from pathlib import Path
from zh_split import splits
from albert_edge.data import stratified_subsample
from albert_edge.run_steps import train_spiece
from albert_edge.tokenizer import load_tokenizer
from albert_edge.distill import DistillConfig, distill, student_preset
from albert_edge.checkpoint import load_checkpoint
from albert_edge.evaluate import albert_logits
from albert_edge.teacher import load_teacher
from albert_edge.training.same_vocab import HiddenTransfer, albert_encoder, teacher_embedding_state
import tokenizers
N = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
W = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("runs/same_vocab")
W.mkdir(parents=True, exist_ok=True)
ML = 64
torch.set_num_threads(2)
sp = splits()
labels = sp["labels"]
tr, dv, te = (sp[s] for s in ("train", "dev", "test"))
tr = tr.subset(stratified_subsample(tr, N, seed=0))
dsel = dv.subset(stratified_subsample(dv, 1000, seed=0))
ytr, yte = tr.label_ids(labels), np.array(te.label_ids(labels))
res = {"n_train": len(tr), "max_length": ML, "test_n": len(te)}
def log(m): print(m, flush=True)
def acc(folder, tokdir):
    m = load_checkpoint(folder).model.eval()
    return float((albert_logits(m, load_tokenizer(tokdir), te.texts, max_length=ML).argmax(1) == yte).mean())
# WordPiece vocabulary on the training reviews (as the Chinese ALBERT family ships: vocab.txt, BertTokenizer)
wp = W / "wp"
wp.mkdir(exist_ok=True)
t = tokenizers.BertWordPieceTokenizer(lowercase=True)
t.train_from_iterator(tr.texts, vocab_size=8000, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
vocab = sorted(t.get_vocab().items(), key=lambda kv: kv[1])
(wp / "vocab.txt").write_text("".join(w + "\n" for w, _ in vocab), encoding="utf-8")
(wp / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "BertTokenizer", "do_lower_case": True}))
wtok = load_tokenizer(wp)
res["wordpiece_vocab"] = wtok.vocab_size
# teacher: a 4-pass ALBERT (E128/H312) trained on the labels
tcfg = student_preset("tiny", vocab_size=wtok.vocab_size, labels=labels, max_length=ML)
tcfg.num_hidden_layers = 3
t0 = time.time()
r = distill(W / "teacher", cfg=DistillConfig(epochs=4, batch_size=32, lr=5e-4, alpha=0.0, max_length=ML, patience=99),
            model_config=tcfg, tokenizer_dir=wp, train_texts=tr.texts, train_labels=ytr, teacher_logits=None,
            dev_texts=dsel.texts, dev_labels=dsel.label_ids(labels), overwrite=True, progress=False, log=log)
res["teacher"] = {"test": acc(r.best, wp), "s": round(time.time() - t0, 1), "history": r.history}
log(res["teacher"])
teacher = load_teacher(r.best, max_length=ML)
lg = teacher.logits(tr.texts, batch_size=64)
enc = albert_encoder(teacher.model)


def student(name, tokdir, **kw):
    mcfg = student_preset("tiny", vocab_size=load_tokenizer(tokdir).vocab_size, labels=labels, max_length=ML)
    mcfg.num_hidden_layers = 2
    hw = kw.pop("hidden", 0.0)
    if kw.pop("copy", False):
        kw["init_state"] = teacher_embedding_state(enc, 128, mcfg.max_position_embeddings)
    if hw:
        kw["hidden_transfer"] = HiddenTransfer(enc, mcfg.hidden_size)
    t0 = time.time()
    r = distill(W / name, cfg=DistillConfig(epochs=3, batch_size=32, lr=1e-3, alpha=0.7, max_length=ML, patience=99,
                                            hidden_weight=hw),
                model_config=mcfg, tokenizer_dir=tokdir, train_texts=tr.texts, train_labels=ytr, teacher_logits=lg,
                dev_texts=dsel.texts, dev_labels=dsel.label_ids(labels), overwrite=True, progress=False, log=log, **kw)
    res[name] = {"test": acc(r.best, tokdir), "s": round(time.time() - t0, 1), "history": r.history}
    log((name, res[name]))


if not (W / "spiece" / "spiece.model").exists():
    train_spiece(tr.texts, W / "spiece", 8000, 0, {}, log)
student("own_spiece", W / "spiece")
student("same_vocab_random_init", wp)
student("same_vocab_copy", wp, copy=True)
student("same_vocab_copy_hidden", wp, copy=True, hidden=1.0)
res["command"] = "python benchmarks/same_vocab.py " + str(N)
out = Path(__file__).parent / "results" / "same_vocab_zh.json"
out.write_text(json.dumps(res, indent=1) + "\n")
