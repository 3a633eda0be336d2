"""Ticket codes: signed, bound to tenant, event and registration, checkable without the database."""

from __future__ import annotations

from turnout.auth.tickets import Ticket, read_ticket, ticket_code

SECRET = b"s" * 32


def test_a_code_reads_back_as_its_ticket() -> None:
    code = ticket_code(SECRET, 3, 1234, 56)
    assert read_ticket(SECRET, code) == Ticket(3, 1234, 56)


def test_a_code_is_read_whatever_its_case_and_spaces_and_look_alike_letters() -> None:
    code = ticket_code(SECRET, 3, 1234, 56)
    typed = " " + code.lower().replace("0", "o").replace("1", "l") + " "
    assert read_ticket(SECRET, typed) == Ticket(3, 1234, 56)


def test_changing_any_number_breaks_the_signature() -> None:
    code = ticket_code(SECRET, 3, 1234, 56)
    signature = code.rsplit("-", 1)[1]
    for forged in (f"T4-1234-56-{signature}", f"T3-1235-56-{signature}", f"T3-1234-57-{signature}"):
        assert read_ticket(SECRET, forged) is None


def test_another_servers_secret_does_not_read_the_code() -> None:
    assert read_ticket(b"t" * 32, ticket_code(SECRET, 3, 1234, 56)) is None


def test_codes_are_unguessable_and_distinct() -> None:
    codes = {ticket_code(SECRET, 1, 1, seq).rsplit("-", 1)[1] for seq in range(1000)}
    assert len(codes) == 1000
    assert all(len(c) == 16 for c in codes)  # 80 bits


def test_garbage_is_not_a_ticket() -> None:
    for text in ("", "T", "T1-2-3", "T1-2-3-" + "!" * 16, "x" * 10_000, "T1-2-3-" + "0" * 16):
        assert read_ticket(SECRET, text) is None
