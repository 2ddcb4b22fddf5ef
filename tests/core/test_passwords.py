"""The password and username rules: NIST SP 800-63B's length and list of common passwords, a safe username."""

from __future__ import annotations

import pytest

from tremplin.core.passwords import (
    MIN_LENGTH,
    common_passwords,
    password_problem,
    username_problem,
)


def test_the_list_of_common_passwords_ships_with_the_project() -> None:
    common = common_passwords()
    assert len(common) > 15_000
    assert {"123456", "password", "qwerty123456", "1q2w3e4r5t6y"} <= common


@pytest.mark.parametrize("password", ["", "short", "elevenchars", "x" * 201])
def test_length(password: str) -> None:
    assert password_problem(password) and "12 to 200" in str(password_problem(password))


@pytest.mark.parametrize("password", ["qwerty123456", "QWERTY123456", "ｑｗｅｒｔｙ１２３４５６", "1qaz2wsx3edc"])
def test_common_passwords_are_refused_whatever_their_case_or_width(password: str) -> None:
    assert "too common" in str(password_problem(password))


def test_good_passwords_and_the_username_itself() -> None:
    assert MIN_LENGTH == 12
    assert password_problem("quiet-harbour-2026") is None
    assert password_problem("correct horse battery") is None
    assert password_problem("amina.benali", username="Amina.Benali") is not None, "not the username"


@pytest.mark.parametrize("username", ["amina", "amina.benali", "a_b-c@centre", "x1"])
def test_safe_usernames(username: str) -> None:
    assert username_problem(username) is None


@pytest.mark.parametrize("username", ["", "bob smith", "<b>bob</b>", "-dash", "é" * 3, "x" * 81, "a\nb", "=cmd"])
def test_unsafe_usernames(username: str) -> None:
    assert username_problem(username) is not None
