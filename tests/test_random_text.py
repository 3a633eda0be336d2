"""core/ids.random_text, behind generated ids and API keys: letters and digits, each as likely as
any other (a byte past the last whole multiple of 62 is skipped, not folded onto the first few)."""

from __future__ import annotations

import collections
import string

import pytest

from turnout.auth import keys
from turnout.core import ids

ALPHABET = string.ascii_letters + string.digits


def test_length_and_alphabet() -> None:
    for n in (1, 12, 20, 32, 100):
        text = ids.random_text(n)
        assert len(text) == n
        assert set(text) <= set(ALPHABET)
    assert ids.random_text(20) != ids.random_text(20)


def test_bytes_past_the_last_whole_multiple_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([bytes([248, 255, 0, 61, 62, 247]) + bytes([250]) * 22, bytes([1]) * 28])
    monkeypatch.setattr(ids.secrets, "token_bytes", lambda n: next(draws))
    # 0 → "a", 61 → "9", 62 → "a" again, 247 = 3 × 62 + 61 → "9"; 248 and up skipped, then "b"s.
    assert ids.random_text(20) == "a9a9" + "b" * 16


def test_every_character_about_equally_likely() -> None:
    counts = collections.Counter(ids.random_text(62_000))
    assert set(counts) == set(ALPHABET)
    # 1,000 expected each; folding bytes 248–255 onto "a"–"h" would give those ~1,030 on average,
    # so this bound is about the spread of a fair draw (σ ≈ 31), not a test of the bias itself.
    assert max(counts.values()) < 1_150 and min(counts.values()) > 850


def test_generated_ids_and_keys_use_it() -> None:
    reg = ids.new_id("reg_")
    assert reg.startswith("reg_") and len(reg) == 24 and set(reg[4:]) <= set(ALPHABET)
    key, prefix = keys.new_key()
    assert prefix.startswith("tk_") and len(prefix) == 15 and key.startswith(prefix + "_")
    assert len(key) == len(prefix) + 1 + 32 and set(key[len(prefix) + 1 :]) <= set(ALPHABET)
