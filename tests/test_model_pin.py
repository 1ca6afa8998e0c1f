"""Pinning a model folder to a known digest: the meta.json sums catch damage, the pin catches tampering."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import insightkit as ik
from _themes_small import frame
from insightkit.classify import ThemeClassifier, load_model
from insightkit.classify.persist import _canonical, _sha256_bytes
from insightkit.cli import main
from insightkit.codebook import Codebook
from insightkit.integrity import PIN_ENV, ModelDigestError, check_model_digest, model_digest

SMALL = dict(features=("words", "chars"))  # no sentence encoder needed


@pytest.fixture(scope="module")
def saved(data, tmp_path_factory):
    X, Y = data
    path = ThemeClassifier(Codebook.default(), **SMALL).fit(X, Y).save(tmp_path_factory.mktemp("pin") / "m")
    return path, model_digest(path)


@pytest.fixture(autouse=True)
def _no_pin_from_the_environment(monkeypatch):
    monkeypatch.delenv(PIN_ENV, raising=False)


def _tampered(src, dest):
    """One byte of the weights changed, and every sum in meta.json recomputed to match."""
    shutil.copytree(src, dest)
    w = bytearray((dest / "weights.safetensors").read_bytes())
    w[-1] ^= 1
    (dest / "weights.safetensors").write_bytes(bytes(w))
    meta = json.loads((dest / "meta.json").read_text(encoding="utf-8"))
    meta["files"]["weights.safetensors"] = _sha256_bytes(bytes(w))
    meta["meta_sha256"] = _sha256_bytes(_canonical(meta))
    (dest / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return dest


def test_a_matching_pin_loads_the_model(saved, data, monkeypatch):
    path, digest = saved
    X, _ = data
    assert len(digest) == 64 and digest == ik.model_digest(path)
    plain = load_model(path)
    for pin in (digest, digest.upper(), f"sha256:{digest}", f"  {digest}\n"):
        assert np.array_equal(load_model(path, sha256=pin).predict_proba(X[:5]), plain.predict_proba(X[:5]))
    monkeypatch.setenv(PIN_ENV, digest)
    assert load_model(path).theme_ids_ == plain.theme_ids_


def test_a_tampered_folder_with_recomputed_sums_is_refused_only_with_a_pin(saved, tmp_path, monkeypatch):
    path, digest = saved
    bad = _tampered(path, tmp_path / "bad")
    load_model(bad)  # the meta.json sums alone accept it: they catch damage, not tampering
    assert model_digest(bad) != digest

    import insightkit.classify.persist as persist

    def must_not_run(*a, **k):
        raise AssertionError("the folder was read as a model before the pin was checked")

    monkeypatch.setattr(persist, "verify_model_folder", must_not_run)
    with pytest.raises(ModelDigestError) as info:
        load_model(bad, sha256=digest)
    msg = str(info.value)
    assert "\n" not in msg and str(bad) in msg and digest in msg and "refusing" in msg
    with pytest.raises(ModelDigestError):
        ThemeClassifier.load(bad, sha256=digest)
    monkeypatch.setenv(PIN_ENV, digest)
    with pytest.raises(ModelDigestError, match=f"pin in .{PIN_ENV}"):
        load_model(bad)


@pytest.mark.parametrize("pin", ["", "abc", "g" * 64, "0" * 63, "0" * 65, "sha1:" + "0" * 64, "0" * 32 + " " + "0" * 32])
def test_a_malformed_pin_is_one_clear_error(saved, pin):
    path, _ = saved
    with pytest.raises(ModelDigestError, match="is not a sha256 digest") as info:
        load_model(path, sha256=pin)
    assert "\n" not in str(info.value)


def test_every_file_counts_and_odd_entries_are_refused(saved, tmp_path):
    path, digest = saved
    copy = tmp_path / "copy"
    shutil.copytree(path, copy)
    assert model_digest(copy) == digest  # the digest is of the contents, not where the folder is
    (copy / "notes.txt").write_text("x", encoding="utf-8")
    assert model_digest(copy) != digest
    (copy / "notes.txt").unlink()
    meta = (copy / "meta.json").read_bytes()
    (copy / "meta.json").write_bytes(meta + b" ")
    assert model_digest(copy) != digest
    (copy / "meta.json").write_bytes(meta)
    (copy / "sub").mkdir()
    (copy / "sub" / "a").write_bytes(b"")
    assert model_digest(copy) != digest
    shutil.rmtree(copy / "sub")
    assert model_digest(copy) == digest
    if hasattr(os, "mkfifo"):
        os.mkfifo(copy / "pipe")  # must be refused, not read (a read would hang)
        with pytest.raises(ModelDigestError, match="not a regular file"):
            model_digest(copy)
        (copy / "pipe").unlink()
    (copy / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(ModelDigestError, match="link to a folder"):
        check_model_digest(copy, digest)


def test_the_digest_can_be_recomputed_with_shell_tools(saved):
    path, digest = saved
    if not all(shutil.which(t) for t in ("find", "sort", "xargs", "sha256sum", "sh")):
        pytest.skip("GNU find, sort, xargs and sha256sum are needed")
    cmd = "find . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum"
    out = subprocess.run(["sh", "-c", cmd], cwd=path, capture_output=True, text=True, check=True).stdout
    assert out.split()[0] == digest


def test_cli_commands_take_the_pin(saved, tmp_path, capsys, monkeypatch):
    path, digest = saved
    bad = _tampered(path, tmp_path / "bad")
    table = tmp_path / "t.csv"
    frame().head(8).to_csv(table, index=False)
    out = tmp_path / "tagged.csv"
    assert main(["tag", str(table), "--model", str(path), "--model-sha256", digest, "--out", str(out), "--quiet",
                 "--no-clean"]) == 0
    assert len(pd.read_csv(out)) == 8
    capsys.readouterr()
    for args in (["tag", str(table), "--model", str(bad), "--model-sha256", digest, "--out", str(tmp_path / "x.csv")],
                 ["evaluate", str(table), "--model", str(bad), "--model-sha256", digest],
                 ["tag", str(table), "--model", str(path), "--model-sha256", "nothex", "--out", str(tmp_path / "x.csv")]):
        assert main(args) == 2, args
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and err.startswith(f"insightkit {args[0]}: error: "), err
        assert not (tmp_path / "x.csv").exists()
    monkeypatch.setenv(PIN_ENV, digest)
    assert main(["tag", str(table), "--model", str(bad), "--out", str(tmp_path / "x.csv"), "--quiet"]) == 2
    assert PIN_ENV in capsys.readouterr().err
    # every command that takes --model takes --model-sha256
    from insightkit.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name, p in sub.choices.items():
        opts = {o for a in p._actions for o in a.option_strings}
        if "--model" in opts:
            assert "--model-sha256" in opts, name


def test_the_model_card_states_the_shipped_models_digest(repo_root):
    import re

    from insightkit.classify import default_theme_model_path

    text = (repo_root / "docs" / "classifier.md").read_text(encoding="utf-8")
    m = re.search(r"\*\*Folder digest\*\*.{0,200}?`([0-9a-f]{64})`", text, re.S)
    assert m, "docs/classifier.md lost its folder digest line"
    assert m.group(1) == model_digest(repo_root / "models" / "nhs-digital") == model_digest(default_theme_model_path())
    packaged = repo_root / "insightkit" / "data" / "models" / "nhs-digital"
    if packaged.is_dir():
        assert model_digest(packaged) == m.group(1)
