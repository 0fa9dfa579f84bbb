"""Fit the judgment models by a held-out protocol, print fitted and held-out figures, write the models.

    python bench/judgment_data.py ...            # once per question file and for --scifact
    python bench/train_judgments.py [--data DIR] [--write]

Protocol (two folds over the four eval files, each question held out exactly once):
  fold A fits on dev + dev2-un and is scored on dev2 + dev-un; fold B fits on dev2 + dev-un and is
  scored on dev + dev2-un. "Held-out" figures pool the two folds' scored files; "fitted" figures
  score the shipped model (fitted on all four files) on the files it saw. The claim judge also
  trains on SciFact claims_train; its SciFact figure is on claims_validation, which no model sees.
  --write stores the all-files models in kb/answers/models/ (plain JSON, with what they were
  trained on).

Abstain model: logistic regression over kb.answers.confidence.FEATURES, classes balanced; the
caution cut-off keeps at most 2.5% of the fit files' answerable questions below it, the answer
cut-off leaves at most 10% of their unanswerable questions above it.
Claim judge: multinomial logistic regression over kb.answers.judge.FEATURES on SciFact pairs and
pairs from the fit files' claims (gold sentences labelled by the claim's verdict, other sentences
neutral); its two decision cut-offs are chosen on the fit files' claims, counting a verdict on the
wrong side as three wrong ones (unclear beats wrong).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import numpy as np
from common import CACHE, ROOT

from kb.answers.check import NOT_ADDRESSED, judge, overall
from kb.answers.confidence import ANSWERED, LOW, NOT_IN_DOCUMENTS, AbstainModel
from kb.answers.evidence import ScoredSentence
from kb.answers.judge import LABELS, JudgeModel, pair_features
from kb.sentences import Span

FILES = ("dev", "dev2", "dev-un", "dev2-un")
FOLDS = {"A": (("dev", "dev2-un"), ("dev2", "dev-un")), "B": (("dev2", "dev-un"), ("dev", "dev2-un"))}
GOLD = {"supported": "supports", "contradicted": "contradicts"}
WRONG_COST = 3.0
DEV_WEIGHT = 3.0  # weight of a pair from the eval files against a SciFact pair


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    mean[0], scale[0] = 0.0, 1.0
    scale[scale < 1e-9] = 1.0
    return mean, scale


# ---- answer or abstain ----------------------------------------------------------------------

def fit_abstain(asks: list[dict], trained_on: str) -> AbstainModel:
    from sklearn.linear_model import LogisticRegression

    x = np.array([a["features"] for a in asks], dtype=float)
    y = np.array([a["answerable"] for a in asks], dtype=int)
    mean, scale = _standardise(x)
    z = (x - mean) / scale
    lr = LogisticRegression(C=0.5, class_weight="balanced", fit_intercept=False, max_iter=2000)
    lr.fit(z, y)
    model = AbstainModel(weights=tuple(float(v) for v in lr.coef_[0]), mean=tuple(mean), scale=tuple(scale),
                         answer=1.0, caution=0.0, trained_on=trained_on)
    conf = np.array([model.confidence(f) for f in x])
    ans, unans = np.sort(conf[y == 1]), np.sort(conf[y == 0])
    caution = float(ans[int(0.025 * len(ans))]) if len(ans) else 0.5
    answer = float(unans[min(len(unans) - 1, int(np.ceil(0.9 * len(unans))) - 1)]) + 1e-6 if len(unans) else 0.5
    return AbstainModel(model.weights, model.mean, model.scale, answer=max(answer, caution), caution=caution,
                        trained_on=trained_on)


def score_abstain(model: AbstainModel, asks: list[dict]) -> dict:
    out = {"answerable": 0, "refused": 0, "cautioned": 0, "unanswerable": 0, "flagged": 0, "flagged_strict": 0,
           "cites_gold": 0}
    for a in asks:
        outcome = model.outcome(model.confidence(a["features"]))
        if a["answerable"]:
            out["answerable"] += 1
            out["refused"] += outcome == NOT_IN_DOCUMENTS
            out["cautioned"] += outcome == LOW
            out["cites_gold"] += outcome != NOT_IN_DOCUMENTS and a["cites_gold"]
        else:
            out["unanswerable"] += 1
            out["flagged"] += outcome != ANSWERED
            out["flagged_strict"] += outcome == NOT_IN_DOCUMENTS
    return out


# ---- claim judge -----------------------------------------------------------------------------

def _sentence(d: dict) -> ScoredSentence:
    return ScoredSentence(0, Span(0, len(d["text"])), d["text"], d["score"], d["similarity"], d["keyword"])


def dev_pairs(claims: list[dict]) -> list[tuple[list[float], str, float]]:
    out = []
    for c in claims:
        gold = GOLD[c["verdict"]]
        for name, sents in c["docs"].items():
            for s in sents[:3]:
                label = gold if s["gold"] else "neutral"
                weight = DEV_WEIGHT if s["gold"] else (0.3 if name in c["gold_docs"] else 1.0)
                out.append((pair_features(c["claim"], s["text"], s["similarity"]), label, weight))
    return out


def scifact_pairs(pairs: list[dict], split: str) -> list[tuple[list[float], str, float]]:
    return [(pair_features(p["claim"], p["sentence"], p["similarity"]), p["label"], 1.0)
            for p in pairs if p["split"] == split]


def fit_pairs(rows: list[tuple[list[float], str, float]], trained_on: str) -> JudgeModel:
    from sklearn.linear_model import LogisticRegression

    x = np.array([r[0] for r in rows], dtype=float)
    y = np.array([LABELS.index(r[1]) for r in rows])
    w = np.array([r[2] for r in rows])
    mean, scale = _standardise(x)
    lr = LogisticRegression(C=1.0, fit_intercept=False, max_iter=3000, class_weight="balanced")
    lr.fit((x - mean) / scale, y, sample_weight=w)
    return JudgeModel(weights=tuple(tuple(float(v) for v in row) for row in lr.coef_), mean=tuple(mean),
                      scale=tuple(scale), decide_supports=0.5, decide_contradicts=0.5, trained_on=trained_on)


def claim_verdict(model: JudgeModel, c: dict) -> tuple[str, str]:
    """(overall verdict, the gold document's verdict) kb gives for a dumped claim."""
    verdicts, gold_doc = [], NOT_ADDRESSED
    for name, sents in c["docs"].items():
        v = judge(c["claim"], [_sentence(s) for s in sents], c["best_overall"], model)[0]
        verdicts.append(v)
        if name in c["gold_docs"]:
            gold_doc = v
    return overall(verdicts), gold_doc


def score_claims(model: JudgeModel, claims: list[dict]) -> dict:
    out = {"claims": 0, "right": 0, "unclear": 0, "wrong_side": 0, "other": 0}
    for c in claims:
        verdict, _ = claim_verdict(model, c)
        gold = GOLD[c["verdict"]]
        out["claims"] += 1
        if verdict == gold:
            out["right"] += 1
        elif verdict in ("supports", "contradicts"):
            out["wrong_side"] += 1
        elif verdict == "unclear":
            out["unclear"] += 1
        else:
            out["other"] += 1
    return out


def show_wrong(model: JudgeModel, claims: list[dict], file: str) -> None:
    """Print the claims put on the wrong side, with the deciding sentence of each decisive document."""
    for c in claims:
        verdict, _ = claim_verdict(model, c)
        if verdict not in ("supports", "contradicts") or verdict == GOLD[c["verdict"]]:
            continue
        print(f"\n[{file}] WRONG SIDE: gold {c['verdict']}, kb {verdict}: {c['claim']}")
        for name, sents in c["docs"].items():
            v, deciding, why, _ = judge(c["claim"], [_sentence(s) for s in sents], c["best_overall"], model)
            if v in ("supports", "contradicts"):
                mark = "gold doc" if name in c["gold_docs"] else "other doc"
                print(f"  {mark} {name}: {v} ({why}): {deciding[0].text[:220]}")


def calibrate(model: JudgeModel, claims: list[dict]) -> JudgeModel:
    grid = [round(v, 2) for v in np.arange(0.40, 0.96, 0.05)]
    best, best_key = model, None
    for ts in grid:
        for tc in grid:
            m = JudgeModel(model.weights, model.mean, model.scale, ts, tc, model.trained_on)
            s = score_claims(m, claims)
            key = (s["right"] - WRONG_COST * s["wrong_side"], ts + tc)  # ties: the more cautious cut-offs
            if best_key is None or key > best_key:
                best, best_key = m, key
    return best


def scifact_accuracy(model: JudgeModel, pairs: list[dict]) -> dict:
    """Label accuracy on SciFact validation (claim + gold abstract): the claim's label is the side
    one of the abstract's sentences takes above the cut-offs, else NOT ENOUGH INFO."""
    by_claim: dict[tuple[str, str], list[dict]] = {}
    for p in pairs:
        if p["split"] == "validation":
            by_claim.setdefault((p["claim_id"], p["doc"]), []).append(p)
    right = n = 0
    confusion: dict[str, int] = {}
    for rows in by_claim.values():
        gold = next((r["label"] for r in rows if r["label"] != "neutral"), "neutral")
        probs = [model.predict(pair_features(r["claim"], r["sentence"], r["similarity"])) for r in rows]
        ps, pc = max(p.supports for p in probs), max(p.contradicts for p in probs)
        pred = "neutral"
        if ps >= model.decide_supports and ps > pc:
            pred = "supports"
        elif pc >= model.decide_contradicts and pc > ps:
            pred = "contradicts"
        n += 1
        right += pred == gold
        confusion[f"{gold}->{pred}"] = confusion.get(f"{gold}->{pred}", 0) + 1
    return {"rows": n, "accuracy": right / max(n, 1), "confusion": confusion}


# ---- the run ---------------------------------------------------------------------------------

def _merge(dicts: list[dict]) -> dict:
    out: dict = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


def fit_all(data: dict, scifact: list[dict], fit: tuple[str, ...]) -> tuple[AbstainModel, JudgeModel]:
    label = " + ".join(f"{f}.jsonl" for f in fit)
    asks = [a for f in fit for a in data[f]["asks"]]
    claims = [c for f in fit for c in data[f]["claims"]]
    abstain = fit_abstain(asks, f"{label} ({len(asks)} questions)")
    rows = scifact_pairs(scifact, "train") + dev_pairs(claims)
    judge_model = calibrate(fit_pairs(rows, f"SciFact claims_train + claims of {label}"), claims)
    return abstain, judge_model


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=CACHE / "judgments")
    ap.add_argument("--write", action="store_true", help="store the all-files models in kb/answers/models/")
    ap.add_argument("--show-wrong", action="store_true", help="print each held-out claim put on the wrong side")
    args = ap.parse_args()
    data = {f: json.loads((args.data / f"{f}.json").read_text()) for f in FILES}
    scifact = json.loads((args.data / "scifact.json").read_text())["pairs"]
    held_abstain, held_claims, per_file = [], [], {}
    for name, (fit, report) in FOLDS.items():
        abstain, judge_model = fit_all(data, scifact, fit)
        for f in report:
            a = score_abstain(abstain, data[f]["asks"])
            c = score_claims(judge_model, data[f]["claims"])
            held_abstain.append(a)
            held_claims.append(c)
            per_file[f] = (name, a, c)
            if args.show_wrong:
                show_wrong(judge_model, data[f]["claims"], f)
        print(f"fold {name}: abstain cut-offs caution {abstain.caution:.3f} answer {abstain.answer:.3f}; judge "
              f"cut-offs supports {judge_model.decide_supports} contradicts {judge_model.decide_contradicts}")
    final_abstain, final_judge = fit_all(data, scifact, FILES)
    fitted = {f: (score_abstain(final_abstain, data[f]["asks"]), score_claims(final_judge, data[f]["claims"]))
              for f in FILES}
    print("\n| file | held out by | wrongly refused | cautioned | unanswerable flagged (refused) | "
          "cites gold | claims right | unclear | wrong side | fitted: refused / flagged / claims right / wrong |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for f in FILES:
        fold, a, c = per_file[f]
        fa, fc = fitted[f]
        print(f"| {f} | fold {fold} | {a['refused']}/{a['answerable']} | {a['cautioned']}/{a['answerable']} | "
              f"{a['flagged']}/{a['unanswerable']} ({a['flagged_strict']}) | {a['cites_gold']}/{a['answerable']} | "
              f"{c['right']}/{c['claims']} | {c['unclear']} | {c['wrong_side']} | {fa['refused']}/{fa['answerable']} / "
              f"{fa['flagged']}/{fa['unanswerable']} / {fc['right']}/{fc['claims']} / {fc['wrong_side']} |")
    a, c = _merge(held_abstain), _merge(held_claims)
    print(f"\nheld out, all files: wrongly refused {a['refused']}/{a['answerable']} = {a['refused'] / a['answerable']:.1%}; "
          f"cautioned {a['cautioned']}/{a['answerable']}; unanswerable flagged {a['flagged']}/{a['unanswerable']} = "
          f"{a['flagged'] / a['unanswerable']:.1%} (refused {a['flagged_strict']}); ask cites gold "
          f"{a['cites_gold']}/{a['answerable']} = {a['cites_gold'] / a['answerable']:.1%}; claims right {c['right']}/"
          f"{c['claims']} = {c['right'] / c['claims']:.1%}, unclear {c['unclear']}, wrong side {c['wrong_side']}, "
          f"other {c['other']}")
    sf = scifact_accuracy(final_judge, scifact)
    print(f"SciFact claims_validation with gold abstracts ({sf['rows']} claim-abstract rows): label accuracy "
          f"{sf['accuracy']:.1%}; {sf['confusion']}")
    if args.write:
        models = ROOT / "kb" / "answers" / "models"
        models.mkdir(exist_ok=True)
        stamp = f"; fitted {date.today().isoformat()} by bench/train_judgments.py"
        ad = final_abstain.to_dict()
        ad["trained_on"] += stamp
        jd = final_judge.to_dict()
        jd["trained_on"] += stamp
        (models / "abstain.json").write_text(json.dumps(ad, indent=1) + "\n")
        (models / "judge.json").write_text(json.dumps(jd, indent=1) + "\n")
        print(f"wrote {models}/abstain.json and judge.json")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
