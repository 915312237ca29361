"""The learned components' machinery: kg's own model format (JSON, nothing runs on loading), fitting with a fixed
seed, and `kg train`'s command line. The models' own training runs are tested beside each model's trainer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import kg, one_error_line

from kg.errors import InputError
from kg.extract.linear import LinearModel, load_model
from kg.learn.fit import fit_linear, prf, split

EXAMPLES = [["word=stabbed", "dep=nsubjpass"], ["word=stabbed", "dep=nsubj"], ["word=said", "dep=nsubj"]] * 4
LABELS = ["victim", "perpetrator", "none"] * 4


def test_a_fitted_model_reads_back_the_same_and_scores_its_examples() -> None:
    model = fit_linear("toy", EXAMPLES, LABELS, seed=0, min_count=1)
    again = LinearModel.from_json(model.to_json())
    assert again.to_json() == model.to_json()
    assert [again.best(x)[0] for x in EXAMPLES[:3]] == LABELS[:3]
    probs = again.probabilities(["word=stabbed", "dep=nsubjpass", "never-seen"])
    assert abs(sum(probs.values()) - 1) < 1e-9 and max(probs, key=probs.__getitem__) == "victim"


def test_fitting_is_the_same_for_the_same_seed() -> None:
    assert (
        fit_linear("toy", EXAMPLES, LABELS, seed=3).to_json()
        == fit_linear("toy", EXAMPLES, LABELS, seed=3).to_json()
    )


def test_two_classes_make_a_model_of_two_rows() -> None:
    model = fit_linear("toy", EXAMPLES, ["yes" if lab == "victim" else "no" for lab in LABELS], min_count=1)
    assert model.classes == ("no", "yes") and model.best(EXAMPLES[0])[0] == "yes"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps({"format": "pickle", "classes": ["a", "b"], "intercept": [0, 0], "weights": {}}),
        json.dumps(
            {"format": "kg-linear/1", "name": "x", "classes": ["a", "b"], "intercept": [0], "weights": {}}
        ),
        json.dumps(
            {
                "format": "kg-linear/1",
                "name": "x",
                "classes": ["a", "b"],
                "intercept": [0, 0],
                "weights": {"f": [1]},
            }
        ),
    ],
    ids=["not-json", "another-format", "short-intercept", "short-row"],
)
def test_a_file_that_is_no_model_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="not a model kg can read"):
        LinearModel.from_json(text, source="m.json")


def test_a_missing_model_leaves_the_rules_alone(tmp_path: Path) -> None:
    assert load_model("no-such-model", tmp_path) is None


def test_splits_are_whole_items_and_seeded() -> None:
    train, held = split(range(10), 0.2, seed=1)
    assert sorted(train + held) == list(range(10)) and len(held) == 2
    assert split(range(10), 0.2, seed=1) == (train, held)
    assert prf({1, 2}, {2, 3}) == {"precision": 0.5, "recall": 0.5, "f1": 0.5}


def test_kg_train_without_data_or_with_an_unknown_model_is_one_line(tmp_path: Path) -> None:
    assert "nothing to train" in one_error_line(kg("train", "-o", "m", cwd=tmp_path))
    assert "no such folder" in one_error_line(kg("train", "--uk", "nowhere", cwd=tmp_path))
    assert "no model called" in one_error_line(kg("train", "--only", "nonsense", cwd=tmp_path))
    assert not (tmp_path / "m").exists()
