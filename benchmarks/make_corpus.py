#!/usr/bin/env python3
"""Generate a deterministic corpus of realistic Keras training scripts.

The files are only ever parsed (by flake8 and keraslint), never executed, but
they are written to look like what people actually feed a linter: notebooks
exported with ``jupyter nbconvert --to script``, jupytext "percent" scripts,
flat Kaggle-style scripts, ``main()``-structured training programs and
class-based trainers.  Every Keras import style appears (``import keras``,
``from tensorflow import keras``, ``import tensorflow as tf`` + ``tf.keras``,
``from keras.layers import Dense``, ``tf_keras``, mixtures), with mostly
correct ``compile()`` configurations and a minority of the misuses listed in
``rules.md`` (plus some hard negatives such as ``re.compile``).

Usage::

    python benchmarks/make_corpus.py [OUT_DIR] [--files N] [--seed S]

The output directory defaults to ``benchmarks/.corpus/keras``.  Running the
script twice with the same arguments produces byte-identical files.  A
``corpus.json`` manifest records, per file, its shape, import style, line
count and the misuse tags that were planted (informative only: the tags say
what the generator meant, not what a rule must report).

Standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / ".corpus" / "keras"
DEFAULT_FILES = 260
DEFAULT_SEED = 20240605
FILE_PREFIX = "k"  # every generated file is k<NNN>_<shape>_<style>.py

SUBS = (
    "layers", "models", "optimizers", "losses", "metrics", "callbacks",
    "datasets", "utils", "applications", "regularizers", "preprocessing",
)


def ind(lines: list[str], n: int = 1) -> list[str]:
    pad = "    " * n
    return [(pad + ln) if ln.strip() else "" for ln in lines]


def q(rng: random.Random, s: str) -> str:
    """Quote a string literal the way this file's author does."""
    return f'"{s}"' if rng.random() < 0.5 else f"'{s}'"


# --------------------------------------------------------------------------
# import styles
# --------------------------------------------------------------------------


class Style:
    """How one file spells Keras names; collects the imports it needs."""

    KINDS = ("keras", "from_tf", "tf", "names", "tf_keras", "mixed")
    WEIGHTS = (22, 18, 24, 18, 8, 10)

    def __init__(self, kind: str, rng: random.Random) -> None:
        self.kind = kind
        self.rng = rng
        self.head: list[str] = []  # the Keras / TensorFlow import lines, in order
        self.froms: dict[str, list[str]] = {}
        self.pol = {s: "attr" for s in SUBS}
        self.short_top = rng.random() < 0.6  # keras.Sequential vs keras.models.Sequential
        self.root = "keras"
        self.base = "keras"
        self.tf_ok = False
        if kind == "keras":
            self.head.append("import keras")
            if rng.random() < 0.55:
                self.pol["layers"] = "submod"
            if rng.random() < 0.2:
                self.pol["callbacks"] = "submod"
        elif kind == "from_tf":
            self.base = "tensorflow.keras"
            self.head.append("import tensorflow as tf")
            self.head.append("from tensorflow import keras")
            self.tf_ok = True
            if rng.random() < 0.5:
                self.pol["layers"] = "submod"
        elif kind == "tf":
            self.root = "tf.keras"
            self.base = "tensorflow.keras"
            self.head.append("import tensorflow as tf")
            self.tf_ok = True
            if rng.random() < 0.25:
                self.pol["layers"] = "submod"
        elif kind == "names":
            self.base = rng.choices(["keras", "tensorflow.keras", "tf_keras"], [50, 40, 10])[0]
            self.tf_ok = self.base.startswith("tensorflow")
            if self.tf_ok:
                self.head.append("import tensorflow as tf")
            self.pol = {s: "name" for s in SUBS}
            self.root = ""
        elif kind == "tf_keras":
            self.base = "tf_keras"
            if rng.random() < 0.5:
                self.head.append("import tf_keras as keras")
            else:
                self.head.append("import tf_keras")
                self.root = "tf_keras"
            if rng.random() < 0.4:
                self.pol["layers"] = "submod"
        elif kind == "mixed":
            self.root = "tf.keras"
            self.base = "tensorflow.keras"
            self.head.append("import tensorflow as tf")
            self.tf_ok = True
            for s in SUBS:
                self.pol[s] = rng.choices(["attr", "submod", "name"], [3, 4, 3])[0]
            self.pol["layers"] = rng.choice(["submod", "name"])
        else:  # pragma: no cover
            raise ValueError(kind)

    # -- import bookkeeping -------------------------------------------------
    def _from(self, module: str, name: str) -> None:
        names = self.froms.setdefault(module, [])
        if name not in names:
            names.append(name)

    def tf(self) -> str:
        if "import tensorflow as tf" not in self.head:
            self.head.insert(0, "import tensorflow as tf")
        self.tf_ok = True
        return "tf"

    def import_lines(self) -> list[str]:
        out = list(self.head)
        for module in sorted(self.froms):
            names = self.froms[module]
            if len(names) > 4 and self.rng.random() < 0.6:
                out.append(f"from {module} import (")
                out.extend(f"    {n}," for n in names)
                out.append(")")
            else:
                out.append(f"from {module} import {', '.join(names)}")
        return out

    # -- name builders ------------------------------------------------------
    def ref(self, sub: str, name: str) -> str:
        top = sub.split(".")[0]
        p = self.pol[top]
        if p == "attr":
            return f"{self.root}.{sub}.{name}"
        if p == "submod":
            self._from(self.base, top)
            return f"{sub}.{name}"
        self._from(f"{self.base}.{sub}", name)
        return name

    def L(self, name: str) -> str:
        return self.ref("layers", name)

    def _top(self, sub: str, name: str) -> str:
        if self.pol[sub] == "attr" and self.short_top:
            return f"{self.root}.{name}"
        return self.ref(sub, name)

    def seq(self) -> str:
        return self._top("models", "Sequential")

    def model(self) -> str:
        return self._top("models", "Model")

    def inp(self) -> str:
        return self._top("layers", "Input")


# --------------------------------------------------------------------------
# tasks and output heads
# --------------------------------------------------------------------------


@dataclass
class Task:
    domain: str  # image, tabular, text, timeseries
    kind: str  # multiclass, binary, regression, multilabel
    n_out: int
    labels: str  # int, onehot, binary, real, multihot
    dataset: str = ""
    input_shape: str = ""


@dataclass
class Head:
    units: str
    activation: str | None  # 'softmax', 'sigmoid', None (linear)
    act_spelling: str  # how activation is written: kw, layer, none
    loss: str
    metrics: str | None
    pre: list[str] = field(default_factory=list)  # statements before compile (loss_fn = ...)
    tags: list[str] = field(default_factory=list)
    positional: bool = False


class Ctx:
    """Everything one file needs while it is being assembled."""

    def __init__(self, rng: random.Random, style: Style, shape: str) -> None:
        self.rng = rng
        self.s = style
        self.shape = shape
        self.std: list[str] = []
        self.third: list[str] = []
        self.tags: list[str] = []
        self.used_fillers: set[str] = set()
        self.X = rng.choice(["x", "X"])
        self.mv = rng.choices(["model", "model", "clf", "net", "cnn", "baseline"], [5, 5, 1, 1, 1, 1])[0]
        self.hv = rng.choice(["history", "history", "hist", "h"])
        self.nc_name = rng.choice(["NUM_CLASSES", "NUM_CLASSES", "num_classes", "N_CLASSES"])
        self.task: Task | None = None
        self.flat = shape in ("notebook", "percent", "flat")
        self.fit_data: tuple[str, str] = ("x_train", "y_train")
        self.val_arg = "validation_split=0.2"
        self.eval_data: tuple[str, str] = ("x_test", "y_test")
        self.has_df = False
        self.uses_ds = False
        self.exp_counter = 0

    def need_std(self, line: str) -> None:
        if line not in self.std:
            self.std.append(line)

    def need(self, line: str) -> None:
        if line not in self.third:
            self.third.append(line)

    def qs(self, s: str) -> str:
        return q(self.rng, s)


def pick_task(rng: random.Random) -> Task:
    r = rng.choices(
        ["image_mc", "tab_bin", "tab_mc", "tab_reg", "text_bin", "text_mc", "multilabel", "ts"],
        [30, 15, 10, 12, 10, 6, 7, 10],
    )[0]
    if r == "image_mc":
        ds = rng.choice(["mnist", "fashion_mnist", "cifar10", "cifar100", "mnist", "directory"])
        n = {"mnist": 10, "fashion_mnist": 10, "cifar10": 10, "cifar100": 100}.get(ds, rng.choice([5, 6, 7, 120]))
        shape = "(28, 28, 1)" if "mnist" in ds else "(32, 32, 3)" if "cifar" in ds else "(180, 180, 3)"
        return Task("image", "multiclass", n, rng.choice(["int", "onehot"]), ds, shape)
    if r == "tab_bin":
        return Task("tabular", "binary", 1, "binary", rng.choice(["churn", "diabetes", "titanic", "fraud", "heart"]))
    if r == "tab_mc":
        return Task("tabular", "multiclass", rng.choice([3, 4, 7]), rng.choice(["int", "onehot"]),
                    rng.choice(["iris", "wine", "covtype", "glass"]))
    if r == "tab_reg":
        return Task("tabular", "regression", 1, "real", rng.choice(["housing", "insurance", "energy", "auto_mpg"]))
    if r == "text_bin":
        return Task("text", "binary", 1, "binary", rng.choice(["imdb", "sms_spam", "tweets"]))
    if r == "text_mc":
        return Task("text", "multiclass", rng.choice([46, 4, 20]), rng.choice(["int", "onehot"]),
                    rng.choice(["reuters", "ag_news", "newsgroups"]))
    if r == "multilabel":
        return Task("tabular", "multilabel", rng.choice([5, 6, 12, 20]), "multihot",
                    rng.choice(["movie_genres", "toxic_comments", "arxiv_tags"]))
    return Task("timeseries", "regression", 1, "real", rng.choice(["energy", "stock", "weather", "sales"]))


def units_expr(ctx: Ctx, n: int) -> str:
    t = ctx.task
    assert t is not None
    if n == 1:
        return "1"
    if t.kind == "multiclass" and ctx.rng.random() < 0.6:
        return ctx.nc_name
    return str(n)


def make_head(ctx: Ctx, misuse: bool) -> Head:
    """Pick the output layer and the loss/metrics for this file's task."""
    rng, s, t = ctx.rng, ctx.s, ctx.task
    assert t is not None
    qs = ctx.qs

    def loss_obj(name: str, **kw: str) -> str:
        args = ", ".join(f"{k}={v}" for k, v in kw.items())
        return f"{s.ref('losses', name)}({args})"

    def acc() -> str:
        return qs(rng.choice(["accuracy", "accuracy", "accuracy", "acc"]))

    if t.kind == "multiclass":
        u = units_expr(ctx, t.n_out)
        ce = "categorical_crossentropy" if t.labels == "onehot" else "sparse_categorical_crossentropy"
        ce_cls = "CategoricalCrossentropy" if t.labels == "onehot" else "SparseCategoricalCrossentropy"
        if misuse:
            m = rng.choice(["bce_softmax", "logits_on_softmax", "prob_loss_on_linear", "exact_acc",
                            "sparse_onehot", "positional", "bce_softmax"])
            if m == "bce_softmax":
                return Head(u, "softmax", "kw", qs("binary_crossentropy"), f"[{acc()}]", tags=["KER101", "KER201"])
            if m == "logits_on_softmax":
                return Head(u, "softmax", "kw", loss_obj(ce_cls, from_logits="True"), f"[{acc()}]", tags=["KER104"])
            if m == "prob_loss_on_linear":
                return Head(u, None, "none", qs(ce), f"[{acc()}]", tags=["KER105"])
            if m == "exact_acc":
                return Head(u, "softmax", "kw", qs(ce), f"[{s.ref('metrics', 'Accuracy')}()]", tags=["KER202"])
            if m == "sparse_onehot" and t.labels == "onehot":
                return Head(u, "softmax", "kw", qs("sparse_categorical_crossentropy"), f"[{acc()}]", tags=["KER301"])
            if m == "sparse_onehot":
                return Head(u, "softmax", "kw", qs("categorical_crossentropy"), f"[{acc()}]", tags=["KER302"])
            return Head(u, "softmax", "kw", qs(ce), f"[{acc()}]", tags=["KER304"], positional=True)
        v = rng.random()
        if v < 0.45:
            return Head(u, "softmax", rng.choice(["kw", "kw", "kw", "layer"]), qs(ce), f"[{acc()}]")
        if v < 0.65:
            return Head(u, "softmax", "kw", loss_obj(ce_cls), f"[{acc()}]")
        if v < 0.85:
            pre = [f"loss_fn = {loss_obj(ce_cls, from_logits='True')}"]
            met = s.ref("metrics", "SparseCategoricalAccuracy" if t.labels == "int" else "CategoricalAccuracy")
            return Head(u, None, "none", "loss_fn", f"[{met}(name={qs('accuracy')})]", pre=pre)
        if t.n_out == 2 or rng.random() < 0.5:
            # hard negative: softmax + mse + accuracy is categorical accuracy, correct
            return Head(u, "softmax", "kw", qs("mse"), f"[{acc()}]")
        top_k = s.ref("metrics", "TopKCategoricalAccuracy" if t.labels == "onehot" else "SparseTopKCategoricalAccuracy")
        return Head(u, "softmax", "kw", qs(ce), f"[{acc()}, {top_k}(k=5)]")

    if t.kind == "binary":
        if misuse:
            m = rng.choice(["cce_single", "softmax_single", "logits_on_sigmoid", "thresh_logits", "cce_single"])
            if m == "cce_single":
                return Head("1", "sigmoid", "kw", qs("categorical_crossentropy"), f"[{acc()}]", tags=["KER102"])
            if m == "softmax_single":
                return Head("1", "softmax", "kw", qs("binary_crossentropy"), f"[{acc()}]", tags=["KER103"])
            if m == "logits_on_sigmoid":
                return Head("1", "sigmoid", "kw", loss_obj("BinaryCrossentropy", from_logits="True"),
                            f"[{acc()}]", tags=["KER104"])
            return Head("1", None, "none", loss_obj("BinaryCrossentropy", from_logits="True"), f"[{acc()}]",
                        tags=["KER204"])
        v = rng.random()
        if v < 0.55:
            return Head("1", "sigmoid", rng.choice(["kw", "kw", "layer"]), qs("binary_crossentropy"), f"[{acc()}]")
        if v < 0.75:
            auc = s.ref("metrics", "AUC")
            return Head("1", "sigmoid", "kw", loss_obj("BinaryCrossentropy"), f"[{acc()}, {auc}(name={qs('auc')})]")
        if v < 0.9:
            ba = s.ref("metrics", "BinaryAccuracy")
            return Head("1", None, "none", loss_obj("BinaryCrossentropy", from_logits="True"),
                        f"[{ba}(threshold=0.0, name={qs('accuracy')})]")
        # hard negative: two-unit softmax with binary crossentropy
        return Head("2", "softmax", "kw", qs("binary_crossentropy"), f"[{acc()}]")

    if t.kind == "multilabel":
        u = str(t.n_out)
        if misuse:
            if rng.random() < 0.5:
                return Head(u, "sigmoid", "kw", qs("categorical_crossentropy"), f"[{acc()}]", tags=["KER106"])
            return Head(u, "sigmoid", "kw", qs("binary_crossentropy"), f"[{acc()}]", tags=["KER201"])
        auc = s.ref("metrics", "AUC")
        if rng.random() < 0.5:
            return Head(u, "sigmoid", "kw", qs("binary_crossentropy"), f"[{qs('binary_accuracy')}]")
        return Head(u, "sigmoid", "kw", loss_obj("BinaryCrossentropy"), f"[{auc}(multi_label=True)]")

    # regression
    if misuse:
        if rng.random() < 0.6:
            return Head("1", None, "none", qs(rng.choice(["mse", "mean_squared_error", "mae"])),
                        f"[{acc()}]", tags=["KER203"])
        return Head("1", None, "none", qs("logcosh"), f"[{qs('mae')}]", tags=["KER305"])
    v = rng.random()
    if v < 0.5:
        return Head("1", None, rng.choice(["none", "linear"]), qs(rng.choice(["mse", "mae", "mean_squared_error"])),
                    f"[{qs('mae')}]")
    if v < 0.8:
        rmse = s.ref("metrics", "RootMeanSquaredError")
        return Head("1", None, "none", loss_obj("Huber", delta="1.0"), f"[{rmse}()]")
    return Head("1", None, "none", qs("mse"), None)


# --------------------------------------------------------------------------
# building blocks: each returns a list of lines at indentation level 0
# --------------------------------------------------------------------------


def block_config(ctx: Ctx) -> list[str]:
    rng, t = ctx.rng, ctx.task
    assert t is not None
    lines = [
        f"SEED = {rng.choice([0, 7, 42, 42, 1234, 2023])}",
        f"BATCH_SIZE = {rng.choice([16, 32, 32, 64, 128, 256])}",
        f"EPOCHS = {rng.choice([5, 10, 15, 20, 30, 50, 100])}",
        f"LEARNING_RATE = {rng.choice(['1e-3', '3e-4', '0.001', '0.01', '5e-4'])}",
    ]
    if t.kind == "multiclass":
        lines.append(f"{ctx.nc_name} = {t.n_out}")
    if t.domain == "image":
        side = t.input_shape.strip("()").split(",")[0]
        lines.append(f"IMG_SIZE = ({side}, {side})")
    if t.domain == "text":
        lines.append(f"VOCAB_SIZE = {rng.choice([5000, 10000, 20000])}")
        lines.append(f"MAX_LEN = {rng.choice([100, 200, 250, 500])}")
        lines.append(f"EMBED_DIM = {rng.choice([32, 64, 128])}")
    if t.domain == "timeseries":
        lines.append(f"WINDOW = {rng.choice([24, 30, 48, 60])}")
    if t.domain in ("tabular", "timeseries") or t.dataset == "directory":
        lines.append(f"DATA_PATH = {ctx.qs(data_path(ctx))}")
    if rng.random() < 0.4:
        lines.append(f"MODEL_DIR = {ctx.qs(rng.choice(['models', 'checkpoints', 'artifacts', 'output']))}")
    return lines


def data_path(ctx: Ctx) -> str:
    t = ctx.task
    assert t is not None
    if t.dataset == "directory":
        return ctx.rng.choice(["data/flowers", "../input/plant-disease/train", "dataset/train"])
    return ctx.rng.choice(["data/", "../input/", "/content/drive/MyDrive/", "./"]) + f"{t.dataset}.csv"


def block_seed(ctx: Ctx) -> list[str]:
    ctx.need_std("import random")
    lines = ["random.seed(SEED)", "np.random.seed(SEED)"]
    if ctx.s.tf_ok:
        lines.append("tf.random.set_seed(SEED)")
    elif ctx.s.kind == "keras":
        lines.append(f"{ctx.s.root}.utils.set_random_seed(SEED)")
    return lines


def block_data(ctx: Ctx) -> list[str]:
    """Load and preprocess the data; sets ctx.fit_data / eval_data."""
    rng, s, t = ctx.rng, ctx.s, ctx.task
    assert t is not None
    X = ctx.X
    xtr, xte, ytr, yte = f"{X}_train", f"{X}_test", "y_train", "y_test"
    lines: list[str] = []
    onehot_tr, onehot_te = ytr, yte
    if t.domain == "image" and t.dataset != "directory":
        ds = s.ref("datasets", t.dataset)
        lines += [
            f"({xtr}, {ytr}), ({xte}, {yte}) = {ds}.load_data()",
            f"print({ctx.qs('train')}, {xtr}.shape, {ytr}.shape)",
            f"print({ctx.qs('test')}, {xte}.shape, {yte}.shape)",
            "",
            f"{xtr} = {xtr}.astype({ctx.qs('float32')}) / 255.0",
            f"{xte} = {xte}.astype({ctx.qs('float32')}) / 255.0",
        ]
        if "mnist" in t.dataset:
            lines += [f"{xtr} = np.expand_dims({xtr}, -1)", f"{xte} = np.expand_dims({xte}, -1)"]
        if "cifar" in t.dataset:
            lines += [f"{ytr} = {ytr}.flatten()", f"{yte} = {yte}.flatten()"]
        if t.labels == "onehot":
            tc = s.ref("utils", "to_categorical")
            onehot_tr, onehot_te = rng.choice([(ytr, yte), ("y_train_cat", "y_test_cat")])
            lines += [f"{onehot_tr} = {tc}({ytr}, {ctx.nc_name})", f"{onehot_te} = {tc}({yte}, {ctx.nc_name})"]
        ctx.fit_data = (xtr, onehot_tr)
        ctx.eval_data = (xte, onehot_te)
    elif t.domain == "image":
        ctx.uses_ds = True
        fn = s.ref("utils", "image_dataset_from_directory")
        mode = "" if t.labels == "int" else f"    label_mode={ctx.qs('categorical')},"
        for subset, var in (("training", "train_ds"), ("validation", "val_ds")):
            lines += [
                f"{var} = {fn}(",
                "    DATA_PATH,",
                "    validation_split=0.2,",
                f"    subset={ctx.qs(subset)},",
                "    seed=SEED,",
                "    image_size=IMG_SIZE,",
                "    batch_size=BATCH_SIZE,",
            ]
            if mode:
                lines.append(mode)
            lines.append(")")
        lines += ["class_names = train_ds.class_names", "print(class_names)"]
        if s.tf_ok:
            lines += [
                "AUTOTUNE = tf.data.AUTOTUNE",
                "train_ds = train_ds.cache().shuffle(1000).prefetch(buffer_size=AUTOTUNE)",
                "val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)",
            ]
        ctx.fit_data = ("train_ds", "")
        ctx.val_arg = "validation_data=val_ds"
        ctx.eval_data = ("val_ds", "")
    elif t.domain == "tabular":
        ctx.has_df = True
        ctx.need("import pandas as pd")
        ctx.need("from sklearn.model_selection import train_test_split")
        target = {"churn": "Exited", "diabetes": "Outcome", "titanic": "Survived", "fraud": "Class",
                  "heart": "target", "iris": "species", "wine": "quality", "covtype": "Cover_Type",
                  "glass": "Type", "housing": "median_house_value", "insurance": "charges",
                  "energy": "Heating_Load", "auto_mpg": "mpg", "movie_genres": "genres",
                  "toxic_comments": "labels", "arxiv_tags": "terms"}[t.dataset]
        lines += [
            "df = pd.read_csv(DATA_PATH)",
            "print(df.shape)",
            "df.head()",
        ]
        if rng.random() < 0.7:
            lines += ["df = df.dropna().reset_index(drop=True)"]
        if t.dataset == "titanic":
            lines += [
                "df[\"Sex\"] = df[\"Sex\"].map({\"male\": 0, \"female\": 1})",
                "df = df.drop(columns=[\"Name\", \"Ticket\", \"Cabin\", \"PassengerId\"])",
                "df = pd.get_dummies(df, columns=[\"Embarked\"], drop_first=True)",
            ]
        if t.kind == "multilabel":
            ctx.need("from sklearn.preprocessing import MultiLabelBinarizer")
            ctx.need("from sklearn.feature_extraction.text import TfidfVectorizer")
            lines += [
                f"tags = df[{ctx.qs(target)}].str.split({ctx.qs('|')})",
                "mlb = MultiLabelBinarizer()",
                "Y = mlb.fit_transform(tags)",
                "print(\"labels:\", list(mlb.classes_))",
                f"vectorizer = TfidfVectorizer(max_features={rng.choice([5000, 10000, 20000])}, ngram_range=(1, 2))",
                f"{X} = vectorizer.fit_transform(df[{ctx.qs('text')}]).toarray()",
                f"{xtr}, {xte}, {ytr}, {yte} = train_test_split({X}, Y, test_size=0.2, random_state=SEED)",
            ]
        else:
            lines += [
                f"{X} = df.drop(columns=[{ctx.qs(target)}]).values.astype({ctx.qs('float32')})",
                f"y = df[{ctx.qs(target)}].values",
            ]
            if t.kind == "multiclass":
                ctx.need("from sklearn.preprocessing import LabelEncoder")
                lines += ["encoder = LabelEncoder()", "y = encoder.fit_transform(y)"]
                if t.labels == "onehot":
                    if rng.random() < 0.5:
                        lines.append(f"y = {s.ref('utils', 'to_categorical')}(y, num_classes={ctx.nc_name})")
                    else:
                        lines.append("y = pd.get_dummies(y).values")
            strat = ", stratify=y" if t.kind == "binary" and rng.random() < 0.5 else ""
            lines.append(f"{xtr}, {xte}, {ytr}, {yte} = train_test_split({X}, y, test_size=0.2, random_state=SEED{strat})")
            scaler = rng.choice(["StandardScaler", "StandardScaler", "MinMaxScaler"])
            ctx.need(f"from sklearn.preprocessing import {scaler}")
            lines += [f"scaler = {scaler}()", f"{xtr} = scaler.fit_transform({xtr})", f"{xte} = scaler.transform({xte})"]
        lines.append(f"n_features = {xtr}.shape[1]")
        ctx.fit_data = (xtr, ytr)
        ctx.eval_data = (xte, yte)
    elif t.domain == "text":
        if t.dataset in ("imdb", "reuters"):
            ds = s.ref("datasets", t.dataset)
            pad = s.ref("utils", "pad_sequences") if rng.random() < 0.5 else s.ref("preprocessing.sequence", "pad_sequences")
            lines += [
                f"({xtr}, {ytr}), ({xte}, {yte}) = {ds}.load_data(num_words=VOCAB_SIZE)",
                f"print(len({xtr}), {ctx.qs('train sequences')})",
                f"{xtr} = {pad}({xtr}, maxlen=MAX_LEN)",
                f"{xte} = {pad}({xte}, maxlen=MAX_LEN)",
            ]
        else:
            ctx.has_df = True
            ctx.need("import pandas as pd")
            ctx.need("from sklearn.model_selection import train_test_split")
            tv = s.L("TextVectorization")
            lines += [
                f"df = pd.read_csv({ctx.qs('data/' + t.dataset + '.csv')})",
                "df[\"text\"] = df[\"text\"].astype(str).str.lower()",
                f"{xtr}_text, {xte}_text, {ytr}, {yte} = train_test_split(",
                "    df[\"text\"].values, df[\"label\"].values, test_size=0.2, random_state=SEED",
                ")",
                f"vectorize = {tv}(max_tokens=VOCAB_SIZE, output_sequence_length=MAX_LEN)",
                f"vectorize.adapt({xtr}_text)",
                f"{xtr} = vectorize({xtr}_text).numpy()",
                f"{xte} = vectorize({xte}_text).numpy()",
            ]
        if t.kind == "multiclass" and t.labels == "onehot":
            tc = s.ref("utils", "to_categorical")
            lines += [f"{ytr} = {tc}({ytr}, {ctx.nc_name})", f"{yte} = {tc}({yte}, {ctx.nc_name})"]
        ctx.fit_data = (xtr, ytr)
        ctx.eval_data = (xte, yte)
    else:  # timeseries
        ctx.has_df = True
        ctx.need("import pandas as pd")
        ctx.need("from sklearn.preprocessing import MinMaxScaler")
        col = {"energy": "consumption", "stock": "Close", "weather": "T (degC)", "sales": "sales"}[t.dataset]
        lines += [
            f"df = pd.read_csv(DATA_PATH, parse_dates=[{ctx.qs('date')}], index_col={ctx.qs('date')})",
            "df = df.sort_index()",
            f"series = df[[{ctx.qs(col)}]].values.astype({ctx.qs('float32')})",
            "scaler = MinMaxScaler()",
            "series = scaler.fit_transform(series)",
            "",
            "",
            "def make_windows(data, window):",
            "    xs, ys = [], []",
            "    for i in range(len(data) - window):",
            "        xs.append(data[i:i + window])",
            "        ys.append(data[i + window])",
            "    return np.array(xs), np.array(ys)",
            "",
            "",
            f"{X}, y = make_windows(series, WINDOW)",
            f"split = int(len({X}) * 0.8)",
            f"{xtr}, {xte} = {X}[:split], {X}[split:]",
            f"{ytr}, {yte} = y[:split], y[split:]",
            f"print({xtr}.shape, {ytr}.shape)",
        ]
        ctx.fit_data = (xtr, ytr)
        ctx.eval_data = (xte, yte)
    if not ctx.uses_ds and rng.random() < 0.35:
        ctx.val_arg = f"validation_data=({ctx.eval_data[0]}, {ctx.eval_data[1]})"
    return lines


def body_layers(ctx: Ctx) -> list[tuple[str, str]]:
    """Hidden layers as (class name, argument text); the first takes the input."""
    rng, t = ctx.rng, ctx.task
    assert t is not None
    act = lambda: ctx.qs(rng.choice(["relu", "relu", "relu", "elu", "gelu", "tanh"]))  # noqa: E731
    if t.domain == "image":
        kind = rng.choices(["cnn", "mlp", "deep_cnn"], [5, 2, 2])[0]
        out: list[tuple[str, str]] = []
        if t.dataset == "directory":
            out.append(("Rescaling", "1.0 / 255"))
        if kind == "mlp":
            out += [("Flatten", ""), ("Dense", f"{rng.choice([128, 256, 512])}, activation={act()}"),
                    ("Dropout", f"{rng.choice([0.2, 0.3, 0.5])}")]
            if rng.random() < 0.5:
                out.append(("Dense", f"{rng.choice([64, 128])}, activation={act()}"))
            return out
        filters = [32, 64] if kind == "cnn" else [32, 64, 128, 128][: rng.choice([3, 4])]
        for f in filters:
            out.append(("Conv2D", f"{f}, (3, 3), activation={act()}, padding={ctx.qs('same')}"))
            if kind == "deep_cnn":
                out.append(("BatchNormalization", ""))
                out.append(("Conv2D", f"{f}, (3, 3), activation={act()}, padding={ctx.qs('same')}"))
            out.append(("MaxPooling2D", "(2, 2)" if rng.random() < 0.5 else "pool_size=2"))
        if rng.random() < 0.5:
            out += [("Flatten", ""), ("Dense", f"{rng.choice([64, 128, 256])}, activation={act()}")]
        else:
            out.append(("GlobalAveragePooling2D", ""))
        out.append(("Dropout", f"{rng.choice([0.25, 0.3, 0.5])}"))
        return out
    if t.domain == "text":
        out = [("Embedding", "VOCAB_SIZE, EMBED_DIM")]
        kind = rng.choice(["lstm", "bilstm", "gap", "conv", "gru"])
        if kind == "lstm":
            out.append(("LSTM", f"{rng.choice([32, 64, 128])}"))
        elif kind == "bilstm":
            out.append(("Bidirectional", f"{ctx.s.L('LSTM')}({rng.choice([32, 64])})"))
        elif kind == "gru":
            out.append(("GRU", f"{rng.choice([32, 64])}, dropout=0.2"))
        elif kind == "conv":
            out += [("Conv1D", f"128, 5, activation={act()}"), ("GlobalMaxPooling1D", "")]
        else:
            out.append(("GlobalAveragePooling1D", ""))
        out += [("Dense", f"{rng.choice([16, 32, 64])}, activation={act()}"), ("Dropout", "0.5")]
        return out
    if t.domain == "timeseries":
        cell = rng.choice(["LSTM", "LSTM", "GRU"])
        return [(cell, f"{rng.choice([32, 50, 64])}, return_sequences=True"), ("Dropout", "0.2"),
                (cell, f"{rng.choice([32, 50])}"), ("Dense", f"{rng.choice([16, 25])}, activation={act()}")]
    out = []
    for width in rng.choice([[64, 32], [128, 64, 32], [256, 128], [32, 16], [64, 64, 32]]):
        reg = ""
        if rng.random() < 0.2:
            reg = f", kernel_regularizer={ctx.s.ref('regularizers', 'l2')}(1e-4)"
        out.append(("Dense", f"{width}, activation={act()}{reg}"))
        if rng.random() < 0.4:
            out.append(("BatchNormalization", ""))
        if rng.random() < 0.5:
            out.append(("Dropout", f"{rng.choice([0.1, 0.2, 0.3])}"))
    return out


def input_shape_expr(ctx: Ctx) -> str:
    t = ctx.task
    assert t is not None
    if t.domain == "image":
        if t.dataset == "directory":
            return "IMG_SIZE + (3,)"
        return t.input_shape
    if t.domain == "text":
        return "(MAX_LEN,)"
    if t.domain == "timeseries":
        return "(WINDOW, 1)"
    return "(n_features,)"


def out_layer(ctx: Ctx, head: Head) -> list[tuple[str, str]]:
    act = head.activation
    if act is None:
        if head.act_spelling == "linear":
            return [("Dense", f"{head.units}, activation={ctx.qs('linear')}")]
        return [("Dense", head.units)]
    if head.act_spelling == "layer":
        return [("Dense", head.units), ("Activation", ctx.qs(act))]
    if ctx.rng.random() < 0.1 and ctx.s.tf_ok:
        return [("Dense", f"{head.units}, activation=tf.nn.{act}")]
    return [("Dense", f"{head.units}, activation={ctx.qs(act)}")]


def call(ctx: Ctx, cls: str, args: str) -> str:
    return f"{ctx.s.L(cls)}({args})"


def block_model(ctx: Ctx, head: Head, mv: str, how: str) -> list[str]:
    """Statements binding `mv` to a model; `how` in seq_list, seq_add, functional, subclass_use."""
    rng = ctx.rng
    hidden = body_layers(ctx)
    outs = out_layer(ctx, head)
    shape = input_shape_expr(ctx)
    lines: list[str] = []
    transfer = ctx.task is not None and ctx.task.domain == "image" and rng.random() < 0.15 and how != "seq_add"
    if transfer:
        app = rng.choice(["MobileNetV2", "ResNet50", "EfficientNetB0", "VGG16"])
        lines += [
            f"base_model = {ctx.s.ref('applications', app)}(",
            f"    include_top=False, weights={ctx.qs('imagenet')}, input_shape={shape}",
            ")",
            "base_model.trainable = False",
        ]
        hidden = [("GlobalAveragePooling2D", ""), ("Dropout", "0.2")]
    if how == "seq_list":
        lines.append(f"{mv} = {ctx.s.seq()}([")
        first = True
        if transfer:
            lines.append("    base_model,")
            first = False
        elif rng.random() < 0.4:
            lines.append(f"    {ctx.s.inp()}(shape={shape}),")
            first = False
        for cls, args in hidden + outs:
            if first:
                args = f"{args}, input_shape={shape}" if args else f"input_shape={shape}"
                first = False
            lines.append(f"    {call(ctx, cls, args)},")
        name = ctx.qs(rng.choice(["baseline", "cnn", "mlp", "classifier", "regressor", "sequential_model"]))
        lines.append(f"], name={name})" if rng.random() < 0.3 else "])")
    elif how == "seq_add":
        lines.append(f"{mv} = {ctx.s.seq()}()")
        first = True
        for cls, args in hidden + outs:
            if first:
                args = f"{args}, input_shape={shape}" if args else f"input_shape={shape}"
                first = False
            lines.append(f"{mv}.add({call(ctx, cls, args)})")
    else:  # functional
        iv = rng.choice(["inputs", "inp", "input_layer"])
        lines.append(f"{iv} = {ctx.s.inp()}(shape={shape})")
        cur = iv
        if transfer:
            lines.append(f"x = base_model({iv}, training=False)")
            cur = "x"
        for cls, args in hidden + outs[:-1]:
            lines.append(f"x = {call(ctx, cls, args)}({cur})")
            cur = "x"
        ov = rng.choice(["outputs", "out", "predictions"])
        cls, args = outs[-1]
        lines.append(f"{ov} = {call(ctx, cls, args)}({cur})")
        lines.append(f"{mv} = {ctx.s.model()}(inputs={iv}, outputs={ov})" if rng.random() < 0.6
                     else f"{mv} = {ctx.s.model()}({iv}, {ov})")
    return lines


def optimizer_expr(ctx: Ctx) -> str:
    rng = ctx.rng
    v = rng.random()
    if v < 0.35:
        return ctx.qs(rng.choice(["adam", "adam", "rmsprop", "sgd"]))
    name = rng.choice(["Adam", "Adam", "Adam", "RMSprop", "SGD", "AdamW"])
    extra = ", momentum=0.9" if name == "SGD" else ""
    return f"{ctx.s.ref('optimizers', name)}(learning_rate=LEARNING_RATE{extra})"


def block_compile(ctx: Ctx, head: Head, mv: str) -> list[str]:
    rng = ctx.rng
    opt = optimizer_expr(ctx)
    lines = list(head.pre)
    ctx.tags.extend(head.tags)
    if head.positional:
        return lines + [f"{mv}.compile({opt}, {head.loss}, {head.metrics or '[]'})"]
    parts = [f"optimizer={opt}", f"loss={head.loss}"]
    if head.metrics is not None:
        parts.append(f"metrics={head.metrics}")
    if rng.random() < 0.08:
        parts.append("run_eagerly=False")
    if rng.random() < 0.25 and not head.tags:
        # loss first, keyword only: still fine
        parts = parts[1:] + parts[:1]
    one = f"{mv}.compile({', '.join(parts)})"
    if len(one) <= 88 and rng.random() < 0.6:
        return lines + [one]
    return lines + [f"{mv}.compile("] + [f"    {p}," for p in parts] + [")"]


def block_callbacks(ctx: Ctx) -> list[str]:
    rng, s = ctx.rng, ctx.s
    t = ctx.task
    assert t is not None
    monitor = ctx.qs("val_loss" if t.kind == "regression" or rng.random() < 0.6 else "val_accuracy")
    names = ["cb_list", "my_callbacks"] + ([] if s.pol["callbacks"] == "submod" else ["callbacks", "callbacks"])
    var = rng.choice(names)
    ctx.cb_var = var  # type: ignore[attr-defined]
    lines = [f"{var} = ["]
    lines.append(f"    {s.ref('callbacks', 'EarlyStopping')}(monitor={monitor}, patience={rng.choice([3, 5, 10])}, "
                 "restore_best_weights=True),")
    if rng.random() < 0.6:
        lines.append(f"    {s.ref('callbacks', 'ModelCheckpoint')}({ctx.qs('best_model.keras')}, monitor={monitor}, "
                     "save_best_only=True),")
    if rng.random() < 0.4:
        lines.append(f"    {s.ref('callbacks', 'ReduceLROnPlateau')}(monitor={monitor}, factor=0.5, patience=2),")
    if rng.random() < 0.2:
        lines.append(f"    {s.ref('callbacks', 'TensorBoard')}(log_dir={ctx.qs('logs')}),")
    lines.append("]")
    return lines


def block_fit(ctx: Ctx, mv: str, hv: str, with_cb: bool) -> list[str]:
    rng = ctx.rng
    xa, ya = ctx.fit_data
    data = f"{xa}, {ya}" if ya else xa
    args = [data]
    if not ctx.uses_ds:
        args.append("batch_size=BATCH_SIZE")
    args.append("epochs=EPOCHS")
    args.append(ctx.val_arg)
    if with_cb:
        args.append(f"callbacks={getattr(ctx, 'cb_var', 'callbacks')}")
    if rng.random() < 0.3:
        args.append(f"verbose={rng.choice([1, 2])}")
    if rng.random() < 0.5:
        return [f"{hv} = {mv}.fit("] + [f"    {a}," for a in args] + [")"]
    return [f"{hv} = {mv}.fit({', '.join(args)})"]


def block_evaluate(ctx: Ctx, mv: str) -> list[str]:
    t = ctx.task
    assert t is not None
    xa, ya = ctx.eval_data
    data = f"{xa}, {ya}" if ya else xa
    if t.kind == "regression":
        lines = [f"results = {mv}.evaluate({data}, verbose=0)", "print(\"test loss / metrics:\", results)"]
    else:
        lines = [
            f"test_loss, test_acc = {mv}.evaluate({data}, verbose=0)",
            "print(f\"Test accuracy: {test_acc:.4f}\")",
            "print(f\"Test loss: {test_loss:.4f}\")",
        ]
    if not ctx.uses_ds:
        lines.append(f"y_pred = {mv}.predict({xa})")
        if t.kind == "multiclass":
            lines.append("y_pred_classes = np.argmax(y_pred, axis=1)")
            if t.labels == "onehot":
                lines.append(f"y_true = np.argmax({ya}, axis=1)")
            else:
                lines.append(f"y_true = {ya}")
        elif t.kind == "binary":
            lines.append("y_pred_classes = (y_pred > 0.5).astype(int).ravel()")
            lines.append(f"y_true = {ya}")
        elif t.kind == "regression":
            lines.append(f"rmse = np.sqrt(np.mean((y_pred.ravel() - {ya}.ravel()) ** 2))")
            lines.append("print(\"RMSE:\", rmse)")
    return lines


def block_history_plot(ctx: Ctx, hv: str) -> list[str]:
    rng = ctx.rng
    t = ctx.task
    assert t is not None
    key = "mae" if t.kind == "regression" else "accuracy"
    lines = [
        f"plt.figure(figsize=({rng.choice([10, 12, 14])}, {rng.choice([4, 5])}))",
        "plt.subplot(1, 2, 1)",
        f"plt.plot({hv}.history[\"loss\"], label=\"train\")",
        f"plt.plot({hv}.history[\"val_loss\"], label=\"validation\")",
        "plt.title(\"Loss\")",
        "plt.xlabel(\"epoch\")",
        "plt.legend()",
        "plt.subplot(1, 2, 2)",
        f"plt.plot({hv}.history.get(\"{key}\", []), label=\"train\")",
        f"plt.plot({hv}.history.get(\"val_{key}\", []), label=\"validation\")",
        f"plt.title(\"{key.title()}\")",
        "plt.xlabel(\"epoch\")",
        "plt.legend()",
        "plt.tight_layout()",
        "plt.show()",
    ]
    return lines


def block_save(ctx: Ctx, mv: str) -> list[str]:
    rng = ctx.rng
    path = rng.choice(["model.keras", "model.h5", "final_model.keras", "saved_model/my_model"])
    lines = [f"{mv}.save({ctx.qs(path)})"]
    if rng.random() < 0.4:
        lm = ctx.s.ref("models", "load_model")
        lines += [f"restored = {lm}({ctx.qs(path)})", "restored.summary()"]
    return lines


# --------------------------------------------------------------------------
# fillers: realistic code around the model, much of it unrelated to Keras
# --------------------------------------------------------------------------

# Each filler: (id, kind, fn). kind "def" can sit at top level in any shape;
# kind "stmt" refers to the data variables and is used only in flat shapes.


def f_plot_history(ctx: Ctx) -> list[str]:
    return [
        "def plot_history(history, metrics=(\"loss\",)):",
        "    \"\"\"Plot training curves for each metric name.\"\"\"",
        "    fig, axes = plt.subplots(1, len(metrics), figsize=(6 * len(metrics), 4))",
        "    if len(metrics) == 1:",
        "        axes = [axes]",
        "    for ax, name in zip(axes, metrics):",
        "        ax.plot(history.history[name], label=\"train\")",
        "        if \"val_\" + name in history.history:",
        "            ax.plot(history.history[\"val_\" + name], label=\"val\")",
        "        ax.set_title(name)",
        "        ax.set_xlabel(\"epoch\")",
        "        ax.grid(True, alpha=0.3)",
        "        ax.legend()",
        "    plt.tight_layout()",
        "    plt.show()",
    ]


def f_confusion(ctx: Ctx) -> list[str]:
    ctx.need("from sklearn.metrics import confusion_matrix, classification_report")
    return [
        "def plot_confusion_matrix(y_true, y_pred, labels=None, normalize=False):",
        "    cm = confusion_matrix(y_true, y_pred)",
        "    if normalize:",
        "        cm = cm.astype(\"float\") / cm.sum(axis=1, keepdims=True)",
        "    fig, ax = plt.subplots(figsize=(8, 8))",
        "    im = ax.imshow(cm, interpolation=\"nearest\", cmap=plt.cm.Blues)",
        "    fig.colorbar(im, ax=ax)",
        "    ticks = np.arange(cm.shape[0])",
        "    ax.set_xticks(ticks)",
        "    ax.set_yticks(ticks)",
        "    if labels is not None:",
        "        ax.set_xticklabels(labels, rotation=45, ha=\"right\")",
        "        ax.set_yticklabels(labels)",
        "    fmt = \".2f\" if normalize else \"d\"",
        "    thresh = cm.max() / 2.0",
        "    for i in range(cm.shape[0]):",
        "        for j in range(cm.shape[1]):",
        "            ax.text(j, i, format(cm[i, j], fmt), ha=\"center\",",
        "                    color=\"white\" if cm[i, j] > thresh else \"black\")",
        "    ax.set_ylabel(\"True label\")",
        "    ax.set_xlabel(\"Predicted label\")",
        "    plt.tight_layout()",
        "    return fig",
        "",
        "",
        "def print_report(y_true, y_pred, target_names=None):",
        "    print(classification_report(y_true, y_pred, target_names=target_names, digits=4))",
    ]


def f_show_samples(ctx: Ctx) -> list[str]:
    n = ctx.rng.choice([9, 16, 25])
    side = int(n ** 0.5)
    return [
        f"def show_samples(images, labels, class_names=None, n={n}):",
        f"    plt.figure(figsize=({side * 2}, {side * 2}))",
        "    for i in range(min(n, len(images))):",
        f"        plt.subplot({side}, {side}, i + 1)",
        "        img = images[i]",
        "        if img.ndim == 3 and img.shape[-1] == 1:",
        "            img = img[..., 0]",
        "        plt.imshow(img, cmap=\"gray\" if img.ndim == 2 else None)",
        "        label = labels[i]",
        "        if class_names is not None:",
        "            label = class_names[int(np.argmax(label)) if np.ndim(label) else int(label)]",
        "        plt.title(str(label), fontsize=8)",
        "        plt.axis(\"off\")",
        "    plt.show()",
    ]


def f_timer(ctx: Ctx) -> list[str]:
    ctx.need_std("import time")
    return [
        "class Timer:",
        "    \"\"\"Context manager that prints how long a block took.\"\"\"",
        "",
        "    def __init__(self, label=\"block\"):",
        "        self.label = label",
        "        self.start = None",
        "        self.elapsed = 0.0",
        "",
        "    def __enter__(self):",
        "        self.start = time.perf_counter()",
        "        return self",
        "",
        "    def __exit__(self, exc_type, exc, tb):",
        "        self.elapsed = time.perf_counter() - self.start",
        "        print(f\"[{self.label}] {self.elapsed:.2f}s\")",
        "        return False",
    ]


def f_config_dataclass(ctx: Ctx) -> list[str]:
    ctx.need_std("from dataclasses import dataclass, field, asdict")
    ctx.need_std("import json")
    return [
        "@dataclass",
        "class ExperimentConfig:",
        "    name: str = \"baseline\"",
        "    batch_size: int = 32",
        "    epochs: int = 10",
        "    learning_rate: float = 1e-3",
        "    dropout: float = 0.2",
        "    hidden_units: list = field(default_factory=lambda: [128, 64])",
        "    notes: str = \"\"",
        "",
        "    def to_json(self, path):",
        "        with open(path, \"w\") as fh:",
        "            json.dump(asdict(self), fh, indent=2)",
        "",
        "    @classmethod",
        "    def from_json(cls, path):",
        "        with open(path) as fh:",
        "            return cls(**json.load(fh))",
    ]


def f_logging(ctx: Ctx) -> list[str]:
    ctx.need_std("import logging")
    return [
        "def setup_logging(level=logging.INFO, logfile=None):",
        "    handlers = [logging.StreamHandler()]",
        "    if logfile:",
        "        handlers.append(logging.FileHandler(logfile))",
        "    logging.basicConfig(",
        "        level=level,",
        "        format=\"%(asctime)s %(levelname)s %(name)s: %(message)s\",",
        "        handlers=handlers,",
        "    )",
        "    return logging.getLogger(\"train\")",
    ]


def f_csv_report(ctx: Ctx) -> list[str]:
    ctx.need_std("import csv")
    ctx.need_std("import os")
    return [
        "class CSVReport:",
        "    \"\"\"Append one row of results per experiment to a CSV file.\"\"\"",
        "",
        "    def __init__(self, path, fields):",
        "        self.path = path",
        "        self.fields = list(fields)",
        "        if not os.path.exists(path):",
        "            with open(path, \"w\", newline=\"\") as fh:",
        "                csv.DictWriter(fh, fieldnames=self.fields).writeheader()",
        "",
        "    def add(self, **row):",
        "        missing = [f for f in self.fields if f not in row]",
        "        if missing:",
        "            raise KeyError(f\"missing fields: {missing}\")",
        "        with open(self.path, \"a\", newline=\"\") as fh:",
        "            csv.DictWriter(fh, fieldnames=self.fields).writerow(row)",
        "",
        "    def rows(self):",
        "        with open(self.path, newline=\"\") as fh:",
        "            return list(csv.DictReader(fh))",
    ]


def f_text_clean(ctx: Ctx) -> list[str]:
    ctx.need_std("import re")
    ctx.need_std("import string")
    return [
        "_TAG_RE = re.compile(r\"<[^>]+>\")",
        "_URL_RE = re.compile(r\"https?://\\S+|www\\.\\S+\")",
        "_SPACE_RE = re.compile(r\"\\s+\")",
        "",
        "",
        "def clean_text(text):",
        "    text = _TAG_RE.sub(\" \", text)",
        "    text = _URL_RE.sub(\" \", text)",
        "    text = text.lower().translate(str.maketrans(\"\", \"\", string.punctuation))",
        "    return _SPACE_RE.sub(\" \", text).strip()",
        "",
        "",
        "def tokenize(text, pattern=None):",
        "    pattern = pattern or re.compile(r\"[a-z0-9']+\")",
        "    return pattern.findall(clean_text(text))",
    ]


def f_tracker(ctx: Ctx) -> list[str]:
    ctx.need_std("from collections import defaultdict")
    return [
        "class MetricTracker:",
        "    def __init__(self):",
        "        self._values = defaultdict(list)",
        "",
        "    def update(self, **kwargs):",
        "        for key, value in kwargs.items():",
        "            self._values[key].append(float(value))",
        "",
        "    def mean(self, key):",
        "        vals = self._values.get(key, [])",
        "        return sum(vals) / len(vals) if vals else float(\"nan\")",
        "",
        "    def best(self, key, mode=\"max\"):",
        "        vals = self._values.get(key, [])",
        "        if not vals:",
        "            return None",
        "        return max(vals) if mode == \"max\" else min(vals)",
        "",
        "    def summary(self):",
        "        return {k: self.mean(k) for k in sorted(self._values)}",
        "",
        "    def __repr__(self):",
        "        return f\"MetricTracker({self.summary()!r})\"",
    ]


def f_json_io(ctx: Ctx) -> list[str]:
    ctx.need_std("import json")
    ctx.need_std("import os")
    return [
        "def save_json(obj, path):",
        "    os.makedirs(os.path.dirname(path) or \".\", exist_ok=True)",
        "    with open(path, \"w\", encoding=\"utf-8\") as fh:",
        "        json.dump(obj, fh, indent=2, sort_keys=True, default=str)",
        "",
        "",
        "def load_json(path, default=None):",
        "    if not os.path.exists(path):",
        "        return default",
        "    with open(path, encoding=\"utf-8\") as fh:",
        "        return json.load(fh)",
    ]


def f_numpy_utils(ctx: Ctx) -> list[str]:
    return [
        "def moving_average(values, window=5):",
        "    values = np.asarray(values, dtype=float)",
        "    if len(values) < window:",
        "        return values",
        "    kernel = np.ones(window) / window",
        "    return np.convolve(values, kernel, mode=\"valid\")",
        "",
        "",
        "def describe_array(name, arr):",
        "    arr = np.asarray(arr)",
        "    print(f\"{name}: shape={arr.shape} dtype={arr.dtype} \"",
        "          f\"min={arr.min():.3f} max={arr.max():.3f} mean={arr.mean():.3f}\")",
        "",
        "",
        "def shuffle_together(a, b, seed=0):",
        "    rng = np.random.default_rng(seed)",
        "    idx = rng.permutation(len(a))",
        "    return a[idx], b[idx]",
    ]


def f_bbox(ctx: Ctx) -> list[str]:
    return [
        "class BoundingBox:",
        "    __slots__ = (\"x1\", \"y1\", \"x2\", \"y2\")",
        "",
        "    def __init__(self, x1, y1, x2, y2):",
        "        self.x1, self.y1, self.x2, self.y2 = x1, y1, x2, y2",
        "",
        "    @property",
        "    def area(self):",
        "        return max(0, self.x2 - self.x1) * max(0, self.y2 - self.y1)",
        "",
        "    def intersection(self, other):",
        "        x1, y1 = max(self.x1, other.x1), max(self.y1, other.y1)",
        "        x2, y2 = min(self.x2, other.x2), min(self.y2, other.y2)",
        "        return BoundingBox(x1, y1, x2, y2)",
        "",
        "    def iou(self, other):",
        "        inter = self.intersection(other).area",
        "        union = self.area + other.area - inter",
        "        return inter / union if union else 0.0",
        "",
        "    def __repr__(self):",
        "        return f\"BoundingBox({self.x1}, {self.y1}, {self.x2}, {self.y2})\"",
    ]


def f_feature_eng(ctx: Ctx) -> list[str]:
    ctx.need("import pandas as pd")
    return [
        "def add_features(frame):",
        "    frame = frame.copy()",
        "    num_cols = frame.select_dtypes(include=[np.number]).columns",
        "    for col in num_cols:",
        "        if frame[col].skew() > 1.0:",
        "            frame[col + \"_log\"] = np.log1p(frame[col].clip(lower=0))",
        "    cat_cols = frame.select_dtypes(include=[\"object\", \"category\"]).columns",
        "    for col in cat_cols:",
        "        counts = frame[col].value_counts()",
        "        frame[col + \"_freq\"] = frame[col].map(counts) / len(frame)",
        "    frame = pd.get_dummies(frame, columns=list(cat_cols), drop_first=True)",
        "    return frame",
        "",
        "",
        "def missing_report(frame):",
        "    missing = frame.isnull().sum()",
        "    pct = 100 * missing / len(frame)",
        "    out = pd.DataFrame({\"missing\": missing, \"percent\": pct})",
        "    return out[out[\"missing\"] > 0].sort_values(\"percent\", ascending=False)",
    ]


def f_custom_callback(ctx: Ctx) -> list[str]:
    cb = ctx.s.ref("callbacks", "Callback")
    return [
        f"class EpochLogger({cb}):",
        "    \"\"\"Print a compact line per epoch and keep the best validation loss.\"\"\"",
        "",
        "    def __init__(self, every=1):",
        "        super().__init__()",
        "        self.every = every",
        "        self.best = float(\"inf\")",
        "",
        "    def on_epoch_end(self, epoch, logs=None):",
        "        logs = logs or {}",
        "        val = logs.get(\"val_loss\")",
        "        if val is not None and val < self.best:",
        "            self.best = val",
        "        if epoch % self.every == 0:",
        "            items = \", \".join(f\"{k}={v:.4f}\" for k, v in sorted(logs.items()))",
        "            print(f\"epoch {epoch + 1}: {items}\")",
    ]


def f_lr_schedule(ctx: Ctx) -> list[str]:
    ctx.need_std("import math")
    return [
        "def lr_schedule(epoch, lr):",
        "    \"\"\"Warm up for 3 epochs, then cosine decay.\"\"\"",
        "    warmup = 3",
        "    if epoch < warmup:",
        "        return LEARNING_RATE * (epoch + 1) / warmup",
        "    progress = (epoch - warmup) / max(1, EPOCHS - warmup)",
        "    return 0.5 * LEARNING_RATE * (1 + math.cos(math.pi * progress))",
    ]


def f_split(ctx: Ctx) -> list[str]:
    return [
        "def train_val_split(x, y, val_fraction=0.1, seed=0):",
        "    n = len(x)",
        "    idx = np.random.default_rng(seed).permutation(n)",
        "    cut = int(n * (1 - val_fraction))",
        "    return x[idx[:cut]], x[idx[cut:]], y[idx[:cut]], y[idx[cut:]]",
        "",
        "",
        "def batches(seq, size):",
        "    for start in range(0, len(seq), size):",
        "        yield seq[start:start + size]",
    ]


def f_argparse(ctx: Ctx) -> list[str]:
    ctx.need_std("import argparse")
    return [
        "def parse_args(argv=None):",
        "    parser = argparse.ArgumentParser(description=\"Train a model\")",
        "    parser.add_argument(\"--epochs\", type=int, default=EPOCHS)",
        "    parser.add_argument(\"--batch-size\", type=int, default=BATCH_SIZE)",
        "    parser.add_argument(\"--lr\", type=float, default=LEARNING_RATE)",
        "    parser.add_argument(\"--output\", default=\"runs\")",
        "    parser.add_argument(\"--no-plots\", action=\"store_true\")",
        "    parser.add_argument(\"--seed\", type=int, default=SEED)",
        "    return parser.parse_args(argv)",
    ]


def f_augment(ctx: Ctx) -> list[str]:
    if ctx.s.tf_ok:
        return [
            "def augment(image, label):",
            "    image = tf.image.random_flip_left_right(image)",
            "    image = tf.image.random_brightness(image, max_delta=0.1)",
            "    image = tf.image.random_contrast(image, 0.9, 1.1)",
            "    image = tf.clip_by_value(image, 0.0, 1.0)",
            "    return image, label",
        ]
    return [
        "def augment_batch(images, rng=None):",
        "    rng = rng or np.random.default_rng()",
        "    out = images.copy()",
        "    flip = rng.random(len(out)) < 0.5",
        "    out[flip] = out[flip, :, ::-1]",
        "    noise = rng.normal(0, 0.02, size=out.shape)",
        "    return np.clip(out + noise, 0.0, 1.0)",
    ]


def f_early_stop_plain(ctx: Ctx) -> list[str]:
    return [
        "class PatienceCounter:",
        "    \"\"\"Framework-free early stopping helper used by the sklearn baselines.\"\"\"",
        "",
        "    def __init__(self, patience=5, min_delta=0.0):",
        "        self.patience = patience",
        "        self.min_delta = min_delta",
        "        self.best = None",
        "        self.bad_epochs = 0",
        "",
        "    def step(self, value):",
        "        if self.best is None or value < self.best - self.min_delta:",
        "            self.best = value",
        "            self.bad_epochs = 0",
        "            return False",
        "        self.bad_epochs += 1",
        "        return self.bad_epochs >= self.patience",
    ]


def f_sklearn_baseline(ctx: Ctx) -> list[str]:
    t = ctx.task
    assert t is not None
    if t.kind == "regression":
        ctx.need("from sklearn.linear_model import Ridge")
        ctx.need("from sklearn.metrics import mean_absolute_error")
        return [
            "def sklearn_baseline(x_tr, y_tr, x_te, y_te):",
            "    reg = Ridge(alpha=1.0)",
            "    reg.fit(x_tr.reshape(len(x_tr), -1), y_tr.ravel())",
            "    pred = reg.predict(x_te.reshape(len(x_te), -1))",
            "    return mean_absolute_error(y_te.ravel(), pred)",
        ]
    ctx.need("from sklearn.linear_model import LogisticRegression")
    ctx.need("from sklearn.metrics import accuracy_score")
    return [
        "def sklearn_baseline(x_tr, y_tr, x_te, y_te):",
        "    y_tr = np.argmax(y_tr, axis=1) if np.ndim(y_tr) > 1 else y_tr",
        "    y_te = np.argmax(y_te, axis=1) if np.ndim(y_te) > 1 else y_te",
        "    clf = LogisticRegression(max_iter=1000)",
        "    clf.fit(x_tr.reshape(len(x_tr), -1), y_tr)",
        "    return accuracy_score(y_te, clf.predict(x_te.reshape(len(x_te), -1)))",
    ]


def f_string_utils(ctx: Ctx) -> list[str]:
    ctx.need_std("import re")
    return [
        "_SLUG_RE = re.compile(r\"[^a-z0-9]+\")",
        "",
        "",
        "def slugify(name):",
        "    return _SLUG_RE.sub(\"-\", name.lower()).strip(\"-\")",
        "",
        "",
        "def human_bytes(n):",
        "    for unit in (\"B\", \"KB\", \"MB\", \"GB\"):",
        "        if n < 1024:",
        "            return f\"{n:.1f}{unit}\"",
        "        n /= 1024",
        "    return f\"{n:.1f}TB\"",
        "",
        "",
        "def format_duration(seconds):",
        "    minutes, seconds = divmod(int(seconds), 60)",
        "    hours, minutes = divmod(minutes, 60)",
        "    return f\"{hours:d}:{minutes:02d}:{seconds:02d}\"",
    ]


def f_lru(ctx: Ctx) -> list[str]:
    ctx.need_std("from collections import OrderedDict")
    return [
        "class LRUCache:",
        "    def __init__(self, capacity=128):",
        "        self.capacity = capacity",
        "        self._data = OrderedDict()",
        "",
        "    def get(self, key, default=None):",
        "        if key not in self._data:",
        "            return default",
        "        self._data.move_to_end(key)",
        "        return self._data[key]",
        "",
        "    def put(self, key, value):",
        "        self._data[key] = value",
        "        self._data.move_to_end(key)",
        "        while len(self._data) > self.capacity:",
        "            self._data.popitem(last=False)",
        "",
        "    def __len__(self):",
        "        return len(self._data)",
    ]


def fallback_filler(ctx: Ctx, ids: tuple[str, ...]) -> list[str]:
    """A framework-free filler for files without TensorFlow (never a duplicate)."""
    table = {fid: fn for fid, _k, fn in FILLERS}
    for fid in ids:
        if fid not in ctx.used_fillers:
            ctx.used_fillers.add(fid)
            return table[fid](ctx)
    return []


def f_custom_layer(ctx: Ctx) -> list[str]:
    base = ctx.s.L("Layer")
    return [
        f"class ScaledResidual({base}):",
        "    \"\"\"y = x + scale * f(x), with a learned scalar scale.\"\"\"",
        "",
        "    def __init__(self, units, **kwargs):",
        "        super().__init__(**kwargs)",
        "        self.units = units",
        f"        self.inner = {ctx.s.L('Dense')}(units, activation={ctx.qs('relu')})",
        "",
        "    def build(self, input_shape):",
        "        self.scale = self.add_weight(name=\"scale\", shape=(), initializer=\"zeros\", trainable=True)",
        "        super().build(input_shape)",
        "",
        "    def call(self, inputs):",
        "        return inputs + self.scale * self.inner(inputs)",
        "",
        "    def get_config(self):",
        "        config = super().get_config()",
        "        config.update({\"units\": self.units})",
        "        return config",
    ]


def f_custom_loss(ctx: Ctx) -> list[str]:
    if ctx.s.tf_ok:
        ops, clip, log, pw = "tf", "tf.clip_by_value", "tf.math.log", "tf.pow"
        mean = "tf.reduce_mean"
    else:
        root = ctx.s.root or "keras"
        if ctx.s.kind == "names":
            ctx.s._from(ctx.s.base, "ops")
            root = ""
        ops = f"{root}.ops" if root else "ops"
        clip, log, pw, mean = f"{ops}.clip", f"{ops}.log", f"{ops}.power", f"{ops}.mean"
    return [
        "def binary_focal_loss(gamma=2.0, alpha=0.25):",
        "    \"\"\"Focal loss for imbalanced binary problems (Lin et al., 2017).\"\"\"",
        "",
        "    def loss(y_true, y_pred):",
        "        eps = 1e-7",
        f"        y_pred = {clip}(y_pred, eps, 1.0 - eps)",
        "        pt = y_true * y_pred + (1 - y_true) * (1 - y_pred)",
        "        w = alpha * y_true + (1 - alpha) * (1 - y_true)",
        f"        return {mean}(-w * {pw}(1.0 - pt, gamma) * {log}(pt))",
        "",
        "    return loss",
    ]


def f_tfdata(ctx: Ctx) -> list[str]:
    if not ctx.s.tf_ok:
        return fallback_filler(ctx, ("split", "lru", "strings"))
    return [
        "def make_dataset(x, y, batch_size=32, shuffle=True, augment_fn=None):",
        "    ds = tf.data.Dataset.from_tensor_slices((x, y))",
        "    if shuffle:",
        "        ds = ds.shuffle(buffer_size=min(len(x), 10000), seed=SEED)",
        "    if augment_fn is not None:",
        "        ds = ds.map(augment_fn, num_parallel_calls=tf.data.AUTOTUNE)",
        "    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)",
    ]


def f_tuner(ctx: Ctx) -> list[str]:
    s = ctx.s
    t = ctx.task
    assert t is not None
    units = "1" if t.kind in ("binary", "regression") else str(t.n_out)
    act = {"binary": "sigmoid", "regression": "linear", "multilabel": "sigmoid"}.get(t.kind, "softmax")
    loss = {"binary": "binary_crossentropy", "regression": "mse", "multilabel": "binary_crossentropy"}.get(
        t.kind, "categorical_crossentropy" if t.labels == "onehot" else "sparse_categorical_crossentropy")
    return [
        "def build_tunable(hp):",
        "    \"\"\"Search space for keras_tuner.\"\"\"",
        f"    m = {s.seq()}()",
        f"    m.add({s.L('Flatten')}())",
        "    for i in range(hp.Int(\"num_layers\", 1, 3)):",
        f"        m.add({s.L('Dense')}(hp.Int(f\"units_{{i}}\", 32, 256, step=32), activation=\"relu\"))",
        f"        m.add({s.L('Dropout')}(hp.Float(f\"dropout_{{i}}\", 0.0, 0.5, step=0.1)))",
        f"    m.add({s.L('Dense')}({units}, activation={ctx.qs(act)}))",
        "    m.compile(",
        f"        optimizer={s.ref('optimizers', 'Adam')}(hp.Choice(\"lr\", [1e-2, 1e-3, 1e-4])),",
        f"        loss={ctx.qs(loss)},",
        f"        metrics=[{ctx.qs('mae' if t.kind == 'regression' else 'accuracy')}],",
        "    )",
        "    return m",
    ]


def f_train_step(ctx: Ctx) -> list[str]:
    if not ctx.s.tf_ok:
        return fallback_filler(ctx, ("tracker", "bbox", "patience"))
    return [
        "@tf.function",
        "def train_step(model, optimizer, loss_fn, x, y):",
        "    with tf.GradientTape() as tape:",
        "        logits = model(x, training=True)",
        "        loss_value = loss_fn(y, logits)",
        "    grads = tape.gradient(loss_value, model.trainable_weights)",
        "    optimizer.apply_gradients(zip(grads, model.trainable_weights))",
        "    return loss_value",
        "",
        "",
        "def custom_fit(model, optimizer, loss_fn, dataset, epochs=1):",
        "    for epoch in range(epochs):",
        "        losses_seen = []",
        "        for step, (xb, yb) in enumerate(dataset):",
        "            losses_seen.append(float(train_step(model, optimizer, loss_fn, xb, yb)))",
        "        print(f\"epoch {epoch}: loss={np.mean(losses_seen):.4f}\")",
    ]


def s_eda_df(ctx: Ctx) -> list[str]:
    rng = ctx.rng
    lines = ["df.info()", "df.describe().T", "df.isnull().sum()"]
    if rng.random() < 0.5:
        ctx.need("import seaborn as sns")
        lines += [
            "plt.figure(figsize=(12, 10))",
            "sns.heatmap(df.select_dtypes(include=[np.number]).corr(), annot=False, cmap=\"coolwarm\")",
            "plt.title(\"Correlation matrix\")",
            "plt.show()",
        ]
    else:
        lines += [
            "df.hist(bins=30, figsize=(15, 10))",
            "plt.tight_layout()",
            "plt.show()",
        ]
    return lines


def s_eda_arrays(ctx: Ctx) -> list[str]:
    xa, ya = ctx.fit_data
    if not ya:
        return [
            "for images, labels in train_ds.take(1):",
            "    print(images.shape, labels.shape)",
            "    plt.figure(figsize=(10, 10))",
            "    for i in range(9):",
            "        plt.subplot(3, 3, i + 1)",
            "        plt.imshow(images[i].numpy().astype(\"uint8\"))",
            "        plt.axis(\"off\")",
            "    plt.show()",
        ]
    return [
        f"print({xa}.shape, {xa}.dtype)",
        f"print(np.unique(np.asarray({ya}).reshape(len({ya}), -1)[:, 0], return_counts=True))",
        f"plt.hist(np.asarray({ya}).ravel(), bins=30)",
        "plt.title(\"Label distribution\")",
        "plt.show()",
    ]


def s_scratch(ctx: Ctx) -> list[str]:
    xa, ya = ctx.fit_data
    rng = ctx.rng
    options = [
        [f"{xa}.shape" if ya else "train_ds"],
        [f"len({xa})"],
        [f"{ctx.mv}.summary()"],
        ["print(np.__version__)"],
        [f"type({xa})"],
        ["get_ipython().run_line_magic('time', '')"],
    ]
    return rng.choice(options)


FILLERS = [
    ("plot_history", "def", f_plot_history),
    ("confusion", "def", f_confusion),
    ("show_samples", "def", f_show_samples),
    ("timer", "def", f_timer),
    ("config", "def", f_config_dataclass),
    ("logging", "def", f_logging),
    ("csv_report", "def", f_csv_report),
    ("text_clean", "def", f_text_clean),
    ("tracker", "def", f_tracker),
    ("json_io", "def", f_json_io),
    ("numpy_utils", "def", f_numpy_utils),
    ("bbox", "def", f_bbox),
    ("feature_eng", "def", f_feature_eng),
    ("custom_cb", "def", f_custom_callback),
    ("lr_schedule", "def", f_lr_schedule),
    ("split", "def", f_split),
    ("argparse", "def", f_argparse),
    ("augment", "def", f_augment),
    ("patience", "def", f_early_stop_plain),
    ("sk_baseline", "def", f_sklearn_baseline),
    ("strings", "def", f_string_utils),
    ("lru", "def", f_lru),
    ("custom_layer", "def", f_custom_layer),
    ("custom_loss", "def", f_custom_loss),
    ("tfdata", "def", f_tfdata),
    ("tuner", "def", f_tuner),
    ("train_step", "def", f_train_step),
]

MARKDOWN = [
    ["# Setup", "", "Imports and global configuration."],
    ["## Load the data"],
    ["## Exploratory data analysis", "", "Let's look at the distribution of the target first."],
    ["## Preprocessing", "", "Scale the inputs and split off a validation set."],
    ["## Build the model"],
    ["## Train"],
    ["## Evaluate on the test set"],
    ["### Observations", "", "* the validation loss plateaus after a few epochs",
     "* dropout helps a little", "* try a smaller learning rate next"],
    ["## Helper functions"],
    ["## Save the model"],
    ["TODO: try data augmentation and a learning-rate schedule."],
    ["## Experiments", "", "Compare a few architectures with the same training budget."],
]


# --------------------------------------------------------------------------
# experiments: extra models compiled in the same file (used to grow files)
# --------------------------------------------------------------------------


def block_experiment(ctx: Ctx, misuse_rate: float) -> list[str]:
    rng = ctx.rng
    ctx.exp_counter += 1
    k = ctx.exp_counter
    mv = f"model_{k}" if rng.random() < 0.7 else f"exp{k}_model"
    hv = f"history_{k}"
    head = make_head(ctx, rng.random() < misuse_rate / 2)
    how = rng.choice(["seq_list", "seq_add", "functional"])
    lines = [f"# Experiment {k}: {rng.choice(['wider', 'deeper', 'more dropout', 'smaller lr', 'batch norm', 'baseline again'])}"]
    lines += block_model(ctx, head, mv, how)
    lines += block_compile(ctx, head, mv)
    lines += [f"{mv}.summary()"] if rng.random() < 0.5 else []
    lines += block_fit(ctx, mv, hv, with_cb=False)
    xa, ya = ctx.eval_data
    data = f"{xa}, {ya}" if ya else xa
    lines += [f"scores[{ctx.qs(mv)}] = {mv}.evaluate({data}, verbose=0)", f"print({ctx.qs(mv)}, scores[{ctx.qs(mv)}])"]
    if rng.random() < 0.6:
        lines += block_history_plot(ctx, hv)
    return lines


def block_sweep(ctx: Ctx) -> list[str]:
    """A hyper-parameter loop that builds and compiles a model per setting."""
    rng = ctx.rng
    head = make_head(ctx, False)
    lines = ["sweep_results = []", f"for lr in {rng.choice(['[1e-2, 1e-3, 1e-4]', '[3e-3, 1e-3]', '(0.01, 0.001)'])}:"]
    body = block_model(ctx, head, "m", rng.choice(["seq_list", "functional"]))
    body += block_compile(ctx, head, "m")
    body = [ln.replace("LEARNING_RATE", "lr") for ln in body]
    xa, ya = ctx.fit_data
    data = f"{xa}, {ya}" if ya else xa
    body += [f"h = m.fit({data}, epochs=3, {ctx.val_arg}, verbose=0)",
             "sweep_results.append((lr, min(h.history[\"val_loss\"])))",
             "print(lr, sweep_results[-1][1])"]
    lines += ind(body)
    lines += ["best_lr = min(sweep_results, key=lambda r: r[1])[0]", "print(\"best learning rate:\", best_lr)"]
    return lines


# --------------------------------------------------------------------------
# file assembly per shape
# --------------------------------------------------------------------------


def header_imports(ctx: Ctx) -> list[str]:
    std = sorted(ctx.std, key=lambda s: (s.startswith("from"), s))
    third = ["import numpy as np"]
    if ctx.has_df or any("pandas" in t for t in ctx.third):
        third.append("import pandas as pd")
    third.append("import matplotlib.pyplot as plt")
    third += sorted(t for t in ctx.third if t != "import pandas as pd")
    out = std + ([""] if std else []) + third + [""] + ctx.s.import_lines()
    return out


def choose_fillers(ctx: Ctx, budget: int) -> list[list[str]]:
    """Top-level def/class fillers, in random order, until `budget` lines."""
    rng = ctx.rng
    pool = [f for f in FILLERS if f[0] not in ctx.used_fillers]
    rng.shuffle(pool)
    out: list[list[str]] = []
    total = 0
    for fid, _kind, fn in pool:
        if total >= budget:
            break
        if fid in ctx.used_fillers:  # taken meanwhile by a fallback
            continue
        if fid == "augment" and ctx.task is not None and ctx.task.domain != "image":
            continue
        if fid == "feature_eng" and not ctx.has_df:
            continue
        ctx.used_fillers.add(fid)
        block = fn(ctx)
        if not block:
            continue
        out.append(block)
        total += len(block) + 2
    return out


def core_plan(ctx: Ctx, misuse_rate: float, build_kind: str) -> dict:
    """Generate the core pieces once; the shape decides where they go."""
    rng = ctx.rng
    head = make_head(ctx, rng.random() < misuse_rate)
    plan = {
        "config": block_config(ctx),
        "seed": block_seed(ctx) if rng.random() < 0.7 else [],
        "data": block_data(ctx),
        "head": head,
        "build_kind": build_kind,
    }
    how = rng.choice(["seq_list", "seq_list", "seq_add", "functional", "functional"])
    plan["how"] = how
    plan["model"] = block_model(ctx, head, ctx.mv, how)
    plan["compile"] = block_compile(ctx, head, ctx.mv)
    plan["callbacks"] = block_callbacks(ctx) if rng.random() < 0.6 else []
    plan["fit"] = block_fit(ctx, ctx.mv, ctx.hv, bool(plan["callbacks"]))
    plan["evaluate"] = block_evaluate(ctx, ctx.mv)
    plan["plot"] = block_history_plot(ctx, ctx.hv) if rng.random() < 0.8 else []
    plan["save"] = block_save(ctx, ctx.mv) if rng.random() < 0.6 else []
    return plan


def build_model_def(ctx: Ctx, plan: dict, compile_inside: bool) -> list[str]:
    params = {"image": "input_shape=None", "text": "vocab_size=None", "timeseries": "window=None"}
    t = ctx.task
    assert t is not None
    sig = params.get(t.domain, "n_features")
    own = re.compile(rf"\b{re.escape(ctx.mv)}\b")
    body = [own.sub("model", ln) if ln.startswith(ctx.mv) else ln for ln in plan["model"]]
    lines = [f"def build_model({sig}):", f"    \"\"\"Return the {t.kind} model{' (compiled)' if compile_inside else ''}.\"\"\""]
    lines += ind(body)
    if compile_inside:
        comp = [ln.replace(f"{ctx.mv}.compile(", "model.compile(") for ln in plan["compile"]]
        lines += ind(comp)
    lines.append("    return model")
    return lines


def render_flat(ctx: Ctx, target: int, misuse_rate: float, fmt: str) -> str:
    rng = ctx.rng
    build_kind = rng.choice(["inline", "inline", "func", "func_compiled"])
    plan = core_plan(ctx, misuse_rate, build_kind)
    cells: list[tuple[str, list[str]]] = []  # ("md"|"code", lines)

    def md(i: int) -> None:
        if rng.random() < 0.7:
            cells.append(("md", MARKDOWN[i]))

    magics: list[str] = []
    if fmt == "notebook" and rng.random() < 0.5:
        magics.append("get_ipython().system('pip install -q " + rng.choice(["tensorflow", "keras", "seaborn"]) + "')")
    if fmt == "notebook" and rng.random() < 0.6:
        magics.append("get_ipython().run_line_magic('matplotlib', 'inline')")
    if magics:
        cells.append(("code", magics))
    md(0)
    # imports are produced last (they depend on what the blocks used): placeholder
    cells.append(("code", ["__IMPORTS__"]))
    cells.append(("code", plan["config"] + ([""] + plan["seed"] if plan["seed"] else [])))
    helper_at = len(cells)
    md(1)
    cells.append(("code", plan["data"]))
    if ctx.has_df and rng.random() < 0.7:
        md(2)
        cells.append(("code", s_eda_df(ctx)))
    if rng.random() < 0.6:
        cells.append(("code", s_eda_arrays(ctx)))
    md(4)
    if build_kind == "inline":
        cells.append(("code", plan["model"]))
        cells.append(("code", plan["compile"] + ([f"{ctx.mv}.summary()"] if rng.random() < 0.7 else [])))
    else:
        inside = build_kind == "func_compiled"
        cells.append(("code", build_model_def(ctx, plan, inside)))
        t = ctx.task
        assert t is not None
        arg = {"image": "input_shape=" + input_shape_expr(ctx), "text": "vocab_size=VOCAB_SIZE",
               "timeseries": "window=WINDOW"}.get(t.domain, "n_features")
        call_lines = [f"{ctx.mv} = build_model({arg})"]
        if not inside:
            call_lines += plan["compile"]
        call_lines.append(f"{ctx.mv}.summary()")
        cells.append(("code", call_lines))
    if rng.random() < 0.4:
        cells.append(("code", s_scratch(ctx)))
    md(5)
    if plan["callbacks"]:
        cells.append(("code", plan["callbacks"]))
    cells.append(("code", plan["fit"]))
    md(6)
    cells.append(("code", plan["evaluate"]))
    if plan["plot"]:
        cells.append(("code", plan["plot"]))
    if plan["save"]:
        md(9)
        cells.append(("code", plan["save"]))

    def count() -> int:
        return sum(len(c[1]) + (6 if fmt == "notebook" else 3) for c in cells)

    # grow towards the target: helpers early, experiments late
    helpers = choose_fillers(ctx, max(0, (target - count()) // 3))
    if helpers:
        cells.insert(helper_at, ("md", MARKDOWN[8]))
        for j, h in enumerate(helpers):
            cells.insert(helper_at + 1 + j, ("code", h))
    scores_added = False
    guard = 0
    while count() < target and guard < 200:
        guard += 1
        r = rng.random()
        if r < 0.12:
            cells.append(("code", s_scratch(ctx)))
        elif r < 0.2:
            cells.append(("md", rng.choice(MARKDOWN)))
        elif r < 0.3 and ctx.exp_counter > 0:
            cells.append(("code", block_sweep(ctx)))
        else:
            if not scores_added:
                cells.append(("md", MARKDOWN[11]))
                cells.append(("code", ["scores = {}"]))
                scores_added = True
            cells.append(("code", block_experiment(ctx, misuse_rate)))
        if rng.random() < 0.15:
            more = choose_fillers(ctx, 20)
            for h in more:
                cells.append(("code", h))

    imports = header_imports(ctx)
    out: list[str] = []
    if fmt == "notebook":
        out += ["#!/usr/bin/env python", "# coding: utf-8", ""]
        n = 0
        for kind, lines in cells:
            if lines == ["__IMPORTS__"]:
                lines = imports
            if kind == "md":
                out += [("# " + ln) if ln else "# " for ln in lines] + [""]
            else:
                n += 1
                label = str(n) if rng.random() < 0.97 else " "
                out += [f"# In[{label}]:", "", ""] + lines + ["", ""]
    elif fmt == "percent":
        out += ["# ---", "# jupyter:", "#   jupytext:", "#     text_representation:",
                "#       extension: .py", "#       format_name: percent", "# ---", ""]
        for kind, lines in cells:
            if lines == ["__IMPORTS__"]:
                lines = imports
            if kind == "md":
                out += ["# %% [markdown]"] + [("# " + ln) if ln else "#" for ln in lines] + [""]
            else:
                out += ["# %%"] + lines + [""]
    else:  # flat script with comments between sections
        title = rng.choice(["Train a classifier", "Keras baseline", "Quick experiment", "Training script"])
        out += [f"\"\"\"{title} on the {ctx.task.dataset if ctx.task else ''} data.\"\"\"", ""]
        for kind, lines in cells:
            if lines == ["__IMPORTS__"]:
                lines = imports
            if kind == "md":
                out += [("# " + ln) if ln else "#" for ln in lines if not ln.startswith("*")]
            else:
                out += lines + [""]
                if lines and (lines[0].startswith(("def ", "class ", "@")) or lines[-1].startswith("    ")):
                    out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_structured(ctx: Ctx, target: int, misuse_rate: float, shape: str) -> str:
    """A program with functions (`main`) or a Trainer class."""
    rng = ctx.rng
    plan = core_plan(ctx, misuse_rate, "func")
    t = ctx.task
    assert t is not None
    xtr, ytr = ctx.fit_data
    xte, yte = ctx.eval_data
    returns = [v for v in (xtr, ytr, xte, yte) if v]
    if ctx.uses_ds:
        returns = ["train_ds", "val_ds", "class_names"]
    data_fn = ["def load_data():", "    \"\"\"Load, clean and split the dataset.\"\"\""]
    data_fn += ind(plan["data"])
    data_fn.append(f"    return {', '.join(returns)}")
    compile_inside = rng.random() < 0.5
    model_fn = build_model_def(ctx, plan, compile_inside)
    arg = {"image": "input_shape=" + input_shape_expr(ctx), "text": "vocab_size=VOCAB_SIZE",
           "timeseries": "window=WINDOW"}.get(t.domain, f"n_features={xtr}.shape[1]")
    doc = f"\"\"\"{rng.choice(['Training entry point', 'Train and evaluate', 'Model training pipeline'])} "
    doc += f"for the {t.dataset} {t.kind} task.\n\nUsage:\n    python train.py --epochs 20\n\"\"\""
    body: list[str] = []
    if shape == "module":
        body += [f"{', '.join(returns)} = load_data()"]
        body += [f"{ctx.mv} = build_model({arg})"]
        if not compile_inside:
            body += plan["compile"]
        body += [f"{ctx.mv}.summary()"] + plan["callbacks"] + plan["fit"] + plan["evaluate"] + plan["plot"] + plan["save"]
        body = [ln.replace("EPOCHS", "args.epochs") if "epochs=EPOCHS" in ln else ln for ln in body]
        main = ["def main(argv=None):", "    args = parse_args(argv)"] + ind(body) + [f"    return {ctx.hv}"]
        ctx.used_fillers.add("argparse")
        top_fillers = [f_argparse(ctx)]
        top_fillers += choose_fillers(ctx, max(0, target - 60 - len(main) - len(model_fn) - len(data_fn)))
        pieces = top_fillers + [data_fn, model_fn, main]
    else:  # class-based trainer
        init = [
            "def __init__(self, epochs=EPOCHS, batch_size=BATCH_SIZE):",
            "    self.epochs = epochs",
            "    self.batch_size = batch_size",
            "    self.model = None",
            "    self.history = None",
        ]
        load = ["def load(self):", "    self.data = load_data()", "    return self"]
        unpack = [f"{', '.join(returns)} = self.data"]
        build = ["def build(self):"] + ind(unpack) + [f"    {ctx.mv} = build_model({arg})"]
        if not compile_inside:
            build += ind(plan["compile"])
        build += [f"    self.model = {ctx.mv}", "    return self"]
        fit = ["def train(self):"] + ind(unpack) + [f"    {ctx.mv} = self.model"]
        fit += ind(plan["callbacks"] + plan["fit"])
        fit += [f"    self.history = {ctx.hv}", "    return self"]
        ev = ["def evaluate(self):"] + ind(unpack) + [f"    {ctx.mv} = self.model"] + ind(plan["evaluate"])
        ev += [f"    {ctx.hv} = self.history"] + ind(plan["plot"]) + ind(plan["save"])
        cls = ["class Trainer:", f"    \"\"\"Owns the {t.kind} model, its data and its training run.\"\"\"", ""]
        for meth in (init, load, build, fit, ev):
            cls += ind(meth) + [""]
        cls = cls[:-1]
        main = ["def main():", "    trainer = Trainer().load().build().train()", "    trainer.evaluate()"]
        top_fillers = choose_fillers(ctx, max(0, target - 60 - len(cls) - len(model_fn) - len(data_fn)))
        pieces = top_fillers + [data_fn, model_fn, cls, main]
    out = [doc, ""] + header_imports(ctx) + [""] + plan["config"] + [""]
    if plan["seed"]:
        out += plan["seed"] + [""]
    for p in pieces:
        out += ["", ""] + p
    out += ["", "", "if __name__ == \"__main__\":", "    main()"]
    return "\n".join(out).rstrip() + "\n"


def render_subclass(ctx: Ctx, target: int, misuse_rate: float) -> str:
    """A subclassed keras.Model plus a flat training section."""
    plan = core_plan(ctx, misuse_rate, "inline")
    head: Head = plan["head"]
    hidden = body_layers(ctx)
    outs = out_layer(ctx, head)
    base = ctx.s.model()
    lines = [f"class CustomModel({base}):", "    def __init__(self, **kwargs):", "        super().__init__(**kwargs)"]
    names = []
    for i, (cls, args) in enumerate(hidden + outs):
        nm = f"layer_{i}" if (cls, args) not in outs else ("out" if (cls, args) == outs[0] else "out_act")
        names.append(nm)
        lines.append(f"        self.{nm} = {call(ctx, cls, args)}")
    lines += ["", "    def call(self, inputs, training=False):", "        x = inputs"]
    for nm, (cls, _a) in zip(names, hidden + outs):
        extra = ", training=training" if cls in ("Dropout", "BatchNormalization") else ""
        lines.append(f"        x = self.{nm}(x{extra})")
    lines.append("        return x")
    fillers = choose_fillers(ctx, max(0, target - 90 - len(lines)))
    out = ["\"\"\"Subclassed model experiment.\"\"\"", ""] + header_imports(ctx) + [""] + plan["config"] + [""]
    if plan["seed"]:
        out += plan["seed"] + [""]
    for f in fillers + [lines]:
        out += ["", ""] + f
    out += ["", ""] + plan["data"] + [""]
    out += [f"{ctx.mv} = CustomModel(name={ctx.qs('custom')})"] + plan["compile"] + [""]
    out += plan["callbacks"] + plan["fit"] + [""] + plan["evaluate"] + [""] + plan["plot"] + plan["save"]
    return "\n".join(out).rstrip() + "\n"


SHAPES = ("notebook", "percent", "flat", "module", "trainer", "subclass")
SHAPE_WEIGHTS = (34, 12, 22, 16, 9, 7)


def make_file(index: int, seed: int, big: bool) -> tuple[str, dict]:
    rng = random.Random(f"{seed}:{index}")
    kind = rng.choices(Style.KINDS, Style.WEIGHTS)[0]
    style = Style(kind, rng)
    shape = rng.choices(SHAPES, SHAPE_WEIGHTS)[0]
    if big:
        shape = rng.choice(["notebook", "flat", "percent"])
        target = rng.randint(2100, 3600)
    elif shape in ("module", "trainer", "subclass"):
        target = int(rng.triangular(170, 700, 280))
    else:
        target = int(rng.triangular(150, 900, 330))
    ctx = Ctx(rng, style, shape)
    ctx.task = pick_task(rng)
    if style.kind in ("keras", "tf_keras", "names") and not style.tf_ok and rng.random() < 0.3:
        style.tf()  # plenty of Keras 3 users still import tensorflow for tf.data
    misuse_rate = 0.16
    if shape in ("notebook", "percent", "flat"):
        text = render_flat(ctx, target, misuse_rate, shape)
    elif shape == "subclass":
        text = render_subclass(ctx, target, misuse_rate)
    else:
        text = render_structured(ctx, target, misuse_rate, "module" if shape == "module" else "trainer")
    meta = {
        "shape": shape,
        "style": kind,
        "task": f"{ctx.task.domain}/{ctx.task.kind}/{ctx.task.dataset}",
        "lines": text.count("\n"),
        "planted": sorted(set(ctx.tags)),
    }
    return text, meta


def generate(out_dir: Path, n_files: int = DEFAULT_FILES, seed: int = DEFAULT_SEED, quiet: bool = False) -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob(f"{FILE_PREFIX}[0-9][0-9][0-9]_*.py"):
        old.unlink()
    n_big = max(1, round(n_files / 50))
    big_idx = set(range(7, n_files, max(1, n_files // n_big))[:n_big])
    manifest: dict[str, dict] = {}
    total = 0
    for i in range(n_files):
        text, meta = make_file(i, seed, i in big_idx)
        try:
            compile(text, f"<corpus {i}>", "exec", dont_inherit=True)
        except SyntaxError as exc:  # pragma: no cover - a generator bug
            raise AssertionError(f"generated file {i} is not valid Python: {exc}\n") from exc
        name = f"{FILE_PREFIX}{i:03d}_{meta['shape']}_{meta['style']}.py"
        (out_dir / name).write_text(text, encoding="utf-8")
        manifest[name] = meta
        total += meta["lines"]
    summary = {
        "seed": seed,
        "files": n_files,
        "lines": total,
        "largest": max(manifest.items(), key=lambda kv: kv[1]["lines"])[0],
        "files_over_2000_lines": sum(1 for m in manifest.values() if m["lines"] > 2000),
        "with_planted_misuse": sum(1 for m in manifest.values() if m["planted"]),
    }
    (out_dir / "corpus.json").write_text(
        json.dumps({"summary": summary, "files": manifest}, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    if not quiet:
        print(f"wrote {n_files} files, {total} lines to {out_dir}")
        print(f"  files > 2000 lines: {summary['files_over_2000_lines']}, largest: {summary['largest']}, "
              f"files with a planted misuse: {summary['with_planted_misuse']}")
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", default=str(DEFAULT_OUT), help="output directory (default: %(default)s)")
    ap.add_argument("--files", type=int, default=DEFAULT_FILES, help="number of files (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    args = ap.parse_args(argv)
    if args.files < 1:
        ap.error("--files must be >= 1")
    generate(Path(args.out), args.files, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
