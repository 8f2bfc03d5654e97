"""albert_edge.model against HF transformers' ALBERT: same weights, same numbers."""

import pytest
import torch
import transformers

from albert_edge.checkpoint import load_state_strict
from albert_edge.model import (AlbertConfig, AlbertForMaskedLM, AlbertForPreTraining, AlbertForSequenceClassification,
                               AlbertForTokenClassification, AlbertModel, count_parameters)

CONFIGS = {
    "shared-1group": AlbertConfig.micro(num_hidden_layers=3),
    "2groups-2inner": AlbertConfig.micro(num_hidden_layers=4, num_hidden_groups=2, inner_group_num=2),
    "3groups-of-5-layers": AlbertConfig.micro(num_hidden_layers=5, num_hidden_groups=3),
    "E-gt-H-gelu": AlbertConfig.micro(embedding_size=48, hidden_size=32, hidden_act="gelu"),
    "E-eq-H-relu": AlbertConfig.micro(embedding_size=32, hidden_act="relu", num_labels=5),
}
PAIRS = [
    (AlbertForSequenceClassification, transformers.AlbertForSequenceClassification),
    (AlbertForTokenClassification, transformers.AlbertForTokenClassification),
    (AlbertForMaskedLM, transformers.AlbertForMaskedLM),
]


def hf_twin(ours_cls, hf_cls, cfg: AlbertConfig, seed: int = 0):
    torch.manual_seed(seed)
    hf = hf_cls(transformers.AlbertConfig(**cfg.to_hf_dict())).eval()
    ours = ours_cls(cfg).eval()
    load_state_strict(ours, hf.state_dict(), where="hf")
    return ours, hf


def inputs(cfg: AlbertConfig, padded: bool, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, cfg.vocab_size, (3, 17), generator=g)
    mask = torch.ones_like(ids)
    types = torch.zeros_like(ids)
    types[:, 9:] = 1
    if padded:
        mask[1, 11:] = 0
        mask[2, 4:] = 0
        ids[mask == 0] = 0
    return ids, mask, types


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("padded", [False, True], ids=["unpadded", "padded"])
def test_sequence_classification_matches_hf(name, padded):
    cfg = CONFIGS[name]
    ours, hf = hf_twin(AlbertForSequenceClassification, transformers.AlbertForSequenceClassification, cfg)
    ids, mask, types = inputs(cfg, padded)
    with torch.no_grad():
        logits, states = ours.forward_features(ids, mask, types)
        ref = hf(input_ids=ids, attention_mask=mask, token_type_ids=types, output_hidden_states=True)
    assert len(states) == len(ref.hidden_states) == 1 + cfg.num_hidden_layers * cfg.inner_group_num
    assert (logits - ref.logits).abs().max() < 1e-5
    for ours_h, ref_h in zip(states, ref.hidden_states):
        assert (ours_h - ref_h).abs().max() < 1e-5


@pytest.mark.parametrize("ours_cls,hf_cls", PAIRS[1:], ids=["token-cls", "mlm"])
def test_heads_match_hf(ours_cls, hf_cls):
    cfg = CONFIGS["2groups-2inner"]
    ours, hf = hf_twin(ours_cls, hf_cls, cfg)
    ids, mask, types = inputs(cfg, padded=True)
    with torch.no_grad():
        assert (ours(ids, mask, types) - hf(input_ids=ids, attention_mask=mask, token_type_ids=types).logits).abs().max() < 1e-5


def test_pretraining_mlm_and_sop_match_hf():
    cfg = CONFIGS["E-gt-H-gelu"]
    ours, hf = hf_twin(AlbertForPreTraining, transformers.AlbertForPreTraining, cfg)
    ids, mask, types = inputs(cfg, padded=True)
    with torch.no_grad():
        mlm, sop = ours(ids, mask, types)
        ref = hf(input_ids=ids, attention_mask=mask, token_type_ids=types)
    assert (mlm - ref.prediction_logits).abs().max() < 1e-5
    assert (sop - ref.sop_logits).abs().max() < 1e-5


def test_mlm_decoder_is_tied_to_word_embeddings():
    m = AlbertForMaskedLM(AlbertConfig.micro())
    assert m.predictions.decoder.weight is m.albert.embeddings.word_embeddings.weight


def test_sharing_counts_parameters_once_and_matches_hf():
    cfg = AlbertConfig.micro(num_hidden_layers=6, num_hidden_groups=2)
    ours, hf = hf_twin(AlbertForSequenceClassification, transformers.AlbertForSequenceClassification, cfg)
    assert count_parameters(ours) == sum(p.numel() for p in hf.parameters())
    # 6 passes over 2 groups cost the parameters of 2 layers, not 6
    one_more_pass = AlbertForSequenceClassification(AlbertConfig.micro(num_hidden_layers=12, num_hidden_groups=2))
    assert count_parameters(one_more_pass) == count_parameters(ours)


def test_group_schedule_is_i_times_groups_over_layers():
    cfg = AlbertConfig.micro(num_hidden_layers=5, num_hidden_groups=3)
    m = AlbertForSequenceClassification(cfg).eval()
    used = []
    hooks = [g.register_forward_hook(lambda mod, i, o, k=k: used.append(k))
             for k, g in enumerate(m.albert.encoder.albert_layer_groups)]
    with torch.no_grad():
        m(torch.tensor([[2, 7, 3]]))
    for h in hooks:
        h.remove()
    assert used == [i * 3 // 5 for i in range(5)] == [0, 0, 1, 1, 2]


def test_base_v2_preset_has_albert_base_size():
    # albert-base-v2's AlbertModel (encoder + pooler) has 11,683,584 parameters
    assert count_parameters(AlbertModel(AlbertConfig.base_v2())) == 11_683_584


def test_torch_export_takes_the_model_whole():
    cfg = AlbertConfig.micro(num_hidden_groups=2, num_hidden_layers=2)
    m = AlbertForSequenceClassification(cfg).eval()
    ids, mask, _ = inputs(cfg, padded=True)
    ep = torch.export.export(m, (ids, mask), strict=False)
    ops = {str(n.target) for n in ep.graph.nodes if n.op == "call_function"}
    assert not any("layer_norm" in o or "squeeze" in o or "matmul" in o for o in ops), ops
    with torch.no_grad():
        assert torch.allclose(ep.module()(ids, mask), m(ids, mask), atol=1e-6)


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="hidden_dropout_prob 1.0 must be in"):
        AlbertConfig.micro(hidden_dropout_prob=1.0)
    with pytest.raises(ValueError, match="multiple"):
        AlbertConfig.micro(hidden_size=30, num_attention_heads=4)
    with pytest.raises(ValueError, match="hidden_act"):
        AlbertConfig.micro(hidden_act="mish")


def test_dropout_acts_in_training_only_and_stays_out_of_the_exported_graph():
    cfg = AlbertConfig.micro(hidden_dropout_prob=0.2, attention_probs_dropout_prob=0.2, classifier_dropout_prob=0.2)
    back = AlbertConfig.from_hf_dict(cfg.to_hf_dict())  # config.json says what training did
    assert (back.hidden_dropout_prob, back.attention_probs_dropout_prob, back.classifier_dropout_prob) == (0.2,) * 3
    ours, hf = hf_twin(AlbertForSequenceClassification, transformers.AlbertForSequenceClassification, cfg)
    ids, mask, _ = inputs(cfg, padded=True)
    ours.train()
    assert not torch.equal(ours(ids, mask), ours(ids, mask))
    ours.eval()
    with torch.no_grad():
        assert (ours(ids, mask) - hf(input_ids=ids, attention_mask=mask).logits).abs().max() < 1e-5
    ep = torch.export.export(ours, (ids, mask), strict=False)
    assert not any("dropout" in str(n.target) for n in ep.graph.nodes if n.op == "call_function")
