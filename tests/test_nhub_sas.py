"""SAS token validation (spec notification-hubs §3.3), with the spec's two test vectors (AUTH-2)."""

from __future__ import annotations

import pytest

from turnout.surfaces.nhub import sas

KEY = "tq7nRmY0zV7c3kz1tQ1hIuV8h3vG6m5mJ0fG2b7tK4E="
SE = "1767225600"
BEFORE = 1767225600 - 60
JS_SR = "https%3A%2F%2Fpush.example.org%2F"
JS_SIG = "vYJgKjA/0Ic+Dm3OzbDM5XrLp4CzI3ycksLw76uz/Ic="
NET_SR = "https%3a%2f%2fpush.example.org%2fmyhub%2fregistrations%3fapi-version%3d2020-06"
NET_SIG = "EZ2iuGZllBDvhuDeI26x7h8ixL1oKTZzr1Y/NIkInms="


def accept(header: str, path: str = "/myhub/registrations") -> None:
    token = sas.parse(header)
    sas.check_expiry(token, BEFORE)
    sas.check_signature(token, [KEY])
    sas.check_audience(token, ["push.example.org"], path)


def test_js_vector_signature() -> None:
    assert sas.signature(KEY, JS_SR, SE) == JS_SIG


def test_dotnet_vector_signature() -> None:
    assert sas.signature(KEY, NET_SR, SE) == NET_SIG


@pytest.mark.parametrize(
    "sig",
    ["vYJgKjA%2F0Ic%2BDm3OzbDM5XrLp4CzI3ycksLw76uz%2FIc%3D", JS_SIG, JS_SIG.replace("+", " ")],
)
def test_js_vector_accepted_encoded_or_raw(sig: str) -> None:
    accept(f"SharedAccessSignature sr={JS_SR}&sig={sig}&se={SE}&skn=myhub-full")


def test_dotnet_vector_accepted_with_sig_first() -> None:  # azure-sb's field order
    accept(f"sharedaccesssignature sig={NET_SIG}&se={SE}&skn=myhub-full&sr={NET_SR}")


def test_expired_token() -> None:
    token = sas.parse(f"SharedAccessSignature sr={JS_SR}&sig={JS_SIG}&se={SE}&skn=x")
    with pytest.raises(sas.TokenRefused) as refused:
        sas.check_expiry(token, int(SE))
    assert refused.value.code == "ExpiredToken"


def test_wrong_key() -> None:
    token = sas.parse(f"SharedAccessSignature sr={JS_SR}&sig={JS_SIG}&se={SE}&skn=x")
    with pytest.raises(sas.TokenRefused) as refused:
        sas.check_signature(token, [KEY[:-2] + "A="])
    assert refused.value.code == "InvalidSignature"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer x",
        f"SharedAccessSignature sr={JS_SR}&sig={JS_SIG}&se={SE}",
        f"SharedAccessSignature sr={JS_SR}&sr={JS_SR}&sig={JS_SIG}&se={SE}&skn=a",
        "SharedAccessSignature garbage",
    ],
)
def test_malformed(header: str) -> None:
    with pytest.raises(sas.TokenRefused) as refused:
        sas.parse(header)
    assert refused.value.code == "MalformedToken"


@pytest.mark.parametrize(
    ("sr", "hosts", "ok"),
    [
        ("https%3A%2F%2Fother.example%2F", ["push.example.org"], False),
        ("https%3A%2F%2Fother.example%2F", None, True),  # the host check turned off
        ("https%3A%2F%2Fpush.example.org%2Fotherhub", ["push.example.org"], False),
        ("https%3A%2F%2Fpush.example.org%2Fmy", ["push.example.org"], False),
        ("https%3A%2F%2Fpush.example.org%2Fmyhub", ["push.example.org"], True),
        ("sb%3A%2F%2Fpush.example.org%3A443%2F", ["push.example.org"], True),
        ("http%3A%2F%2F127.0.0.1%3A8080%2F", ["127.0.0.1", "127.0.0.1:8080"], True),
    ],
)
def test_audience(sr: str, hosts: list[str] | None, ok: bool) -> None:  # AUTH-4
    token = sas.parse(f"SharedAccessSignature sr={sr}&sig=x&se={SE}&skn=a")
    if ok:
        sas.check_audience(token, hosts, "/myhub/registrations")
    else:
        with pytest.raises(sas.TokenRefused) as refused:
            sas.check_audience(token, hosts, "/myhub/registrations")
        assert refused.value.code == "InvalidAudience"
