"""The password rules and the login throttle under generated input.

The password rules (settings.AUTH_PASSWORD_VALIDATORS): at least 8 and at most 128 characters,
not on the common-password list (compared lower-cased and trimmed), not too similar to the user
name or the e-mail address; no composition rules, so a password of digits only is judged by its
length and the list like any other. Sign-up (the service and the page), the password change page
and the password reset page refuse every password that breaks a rule, with the rule's message,
and change nothing; they accept every other.

The login throttle (django-axes): five failed logins for one user name from one address lock that
name at that address, on the login page and the session API alike (they share the count), for
any name: case variants, other scripts, look-alikes that NFKC-normalise to the same name,
surrounding whitespace, names at and past the length limit. A name the form refuses (empty,
whitespace only, too long, a null character) is not an attempt and locks nothing. The lock holds
even for the right password until the 15-minute cool-off ends, and locks no other name or
address. Nothing answers 5xx.

Each example runs in a transaction rolled back at its end, so examples share no users, sessions
or failed attempts. `make test` runs a few examples of each property; VIGNETTE_FUZZ=full many.
"""

import os
import unicodedata
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.models import RoleGrant, User
from apps.core.errors import InvalidInput
from tests.accounts.test_api import INVALID_CREDENTIALS, LOCKED_OUT

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

FULL = os.environ.get("VIGNETTE_FUZZ") == "full"
EXAMPLES = settings(
    max_examples=200 if FULL else 20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # `make test` runs the same examples every time; `make fuzz` looks for new ones.
    **({} if FULL else {"derandomize": True, "database": None}),
)

SHORT = "This password is too short. It must contain at least 8 characters."
LONG = "This password is too long. It may have at most 128 characters."
COMMON = "This password is too common."
LIKE_USERNAME = "The password is too similar to the username."
LIKE_EMAIL = "The password is too similar to the email address."
OLD_PASSWORD = "correct horse battery staple"
FAILURE_LIMIT = 5
COOL_OFF = timedelta(minutes=15)


def _common_passwords() -> frozenset[str]:
    [validator] = [
        v
        for v in password_validation.get_default_password_validators()
        if isinstance(v, password_validation.CommonPasswordValidator)
    ]
    return frozenset(validator.passwords)


COMMON_PASSWORDS = _common_passwords()


def _is_common(password: str) -> bool:
    return password.lower().strip() in COMMON_PASSWORDS


@contextmanager
def _undone():
    """Run a block of writes and undo them: each example, and each path in it, starts clean."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _accounts() -> tuple:
    """Everything about accounts that a refused password must leave as it was."""
    return (
        list(
            User.objects.order_by("pk").values_list(
                "username", "email", "password", "is_active", "last_login"
            )
        ),
        sorted(RoleGrant.objects.values_list("user__username", "role")),
        Session.objects.count(),
    )


# --- Who the password is for ------------------------------------------------------------------

# Names that share no character with the passwords drawn for them, so that only the rule a
# password is drawn to break can refuse it: Greek user names, an e-mail of symbols and three
# letters (parts of one or two characters are too short to be "similar" to 8 or more).
GREEK = "αβγδεζηθικλμνξοπρστυφχψω"
OTHER_EMAIL = "+~+@q.io"
TAKEN = set(GREEK) | set(OTHER_EMAIL)


def _unrelated(char: str) -> bool:
    return not set(char.lower()) & TAKEN


PASSWORD_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")).filter(_unrelated)
GREEK_NAMES = st.text(GREEK, min_size=3, max_size=20)
ASCII_NAMES = st.from_regex(r"[a-z]{8,16}", fullmatch=True)


def _spelled(word: str, how: str) -> str:
    return {"lower": word, "upper": word.upper(), "title": word.title(), "swap": word.swapcase()}[
        how
    ]


SPELLINGS = st.sampled_from(["lower", "upper", "title", "swap"])
DIGITS = st.text("0123456789", max_size=2)


@st.composite
def refused(draw) -> tuple[str, str, str, list[str]]:
    """A user name, an e-mail address, a password that breaks the rules, and every message the
    rules give for it, in the validators' order."""
    kind = draw(
        st.sampled_from(
            ["short", "long", "common", "short-common", "digits-common", "like-name", "like-email"]
        )
    )
    username, email = draw(GREEK_NAMES), OTHER_EMAIL
    if kind == "short":
        # Not empty: Django finds "" similar to the empty part of an address split at "+".
        password = draw(st.text(PASSWORD_CHARS, min_size=1, max_size=7))
        assume(not _is_common(password))
        return username, email, password, [SHORT]
    if kind == "long":
        return username, email, draw(st.text(PASSWORD_CHARS, min_size=129, max_size=300)), [LONG]
    if kind in ("common", "short-common", "digits-common"):
        pool = {
            "common": lambda p: len(p) >= 8,
            "short-common": lambda p: len(p) < 8 and not set(p) & TAKEN,
            "digits-common": lambda p: len(p) >= 8 and p.isdigit(),
        }[kind]
        word = draw(st.sampled_from(sorted(p for p in COMMON_PASSWORDS if pool(p))))
        # The list is compared lower-cased and trimmed: neither case nor spaces get past it.
        password = _spelled(word, draw(SPELLINGS)) + draw(st.sampled_from(["", " ", "  "]))
        return username, email, password, [SHORT, COMMON] if len(password) < 8 else [COMMON]
    if kind == "like-name":
        username = draw(ASCII_NAMES)
        password = _spelled(username, draw(SPELLINGS)) + draw(DIGITS)
        return username, email, password, [LIKE_USERNAME, *([COMMON] * _is_common(password))]
    local = draw(ASCII_NAMES)
    password = _spelled(local, draw(SPELLINGS)) + draw(DIGITS)
    return username, f"{local}@q.io", password, [LIKE_EMAIL, *([COMMON] * _is_common(password))]


@st.composite
def accepted(draw) -> tuple[str, str, str]:
    """A user name, an e-mail address and a password that keeps every rule."""
    kind = draw(st.sampled_from(["any", "digits", "spaced", "limits"]))
    if kind == "digits":
        password = draw(st.text("0123456789", min_size=8, max_size=40))
    elif kind == "spaced":
        # Taken exactly as typed: spaces around a password are part of it.
        password = f"  {draw(st.text(PASSWORD_CHARS, min_size=6, max_size=60))} "
    elif kind == "limits":
        password = draw(st.sampled_from([8, 128])) * draw(PASSWORD_CHARS)
    else:
        password = draw(st.text(PASSWORD_CHARS, min_size=8, max_size=128))
    assume(not _is_common(password))
    return draw(GREEK_NAMES), OTHER_EMAIL, password


# --- The paths that set a password ------------------------------------------------------------


def _sign_up_page(username: str, email: str, password: str):
    return Client().post(
        reverse("accounts:signup"), {"username": username, "email": email, "password": password}
    )


def _change_page(user: User):
    """The password change page of a signed-in user, ready to take a new password (signing in
    writes a session and the login time: done before anything is compared)."""
    client = Client()
    client.force_login(user)
    return lambda password: client.post(
        reverse("accounts:password_change"),
        {"old_password": OLD_PASSWORD, "new_password1": password, "new_password2": password},
    )


def _reset_page(user: User):
    """The page a password reset link leads to, ready to take a new password."""
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = reverse(
        "accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(user)]
    )
    form = client.get(link, follow=True)
    assert form.status_code == 200
    return lambda password: client.post(
        form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )


def _existing(username: str, email: str) -> User:
    return User.objects.create_user(username=username, email=email, password=OLD_PASSWORD)


@EXAMPLES
@given(case=refused())
def test_password_breaking_a_rule_is_refused_everywhere_and_changes_nothing(case):
    username, email, password, messages = case

    with _undone():
        before = _accounts()
        with pytest.raises(InvalidInput) as refused_by_service:
            services.user_sign_up(username=username, email=email, password=password)
        assert refused_by_service.value.fields == {"password": messages}
        assert _accounts() == before

        page = _sign_up_page(username, email, password)
        assert (page.status_code, page.context["form"].errors) == (400, {"password": messages})
        assert _accounts() == before

        user = _existing(username, email)
        for path in (_change_page, _reset_page):
            submit = path(user)
            before = _accounts()
            response = submit(password)
            assert (response.status_code, response.context["form"].errors) == (
                200,
                {"new_password2": messages},
            )
            assert _accounts() == before


@EXAMPLES
@given(case=accepted())
def test_password_keeping_the_rules_is_accepted_everywhere(case):
    username, email, password = case

    with _undone():
        user = services.user_sign_up(username=username, email=email, password=password)
        assert user.check_password(password)
    with _undone():
        page = _sign_up_page(username, email, password)
        assert (page.status_code, page.url) == (302, reverse("home"))
        assert User.objects.get(username=username).check_password(password)
    for path, done in (
        (_change_page, "accounts:password_change_done"),
        (_reset_page, "accounts:password_reset_complete"),
    ):
        with _undone():
            user = _existing(username, email)
            response = path(user)(password)
            assert (response.status_code, response.url) == (302, reverse(done))
            user.refresh_from_db()
            assert user.check_password(password)
            assert not user.check_password(OLD_PASSWORD) or password == OLD_PASSWORD


# --- The login throttle -----------------------------------------------------------------------

PASSWORD = "plum tree in april"
WRONG = "not the password at all"


def _read_as_the_login_reads(name: str) -> str | None:
    """The user name a login attempt is for, or None when the form refuses it: trimmed, then
    NFKC-normalised (a name already too long is left as it is), at most 150 characters, no
    null character."""
    name = name.strip()
    if len(name) <= 150:
        name = unicodedata.normalize("NFKC", name)
    if not name or len(name) > 150 or "\x00" in name:
        return None
    return name


def _fullwidth(name: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)


ACCOUNT_NAMES = st.from_regex(r"[a-z][a-z0-9._-]{2,14}", fullmatch=True)
ODD_NAMES = st.one_of(
    st.sampled_from(["", " ", "\t\n", "\u3000", "\x00", "alice\x00", "ﬁle", "ß", "‾x", "ﷺ" * 9]),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=140, max_size=160),
    st.integers(140, 400).map(lambda n: "x" * n),
)
ADDRESSES = st.lists(
    st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str),
    min_size=2,
    max_size=2,
    unique=True,
)
PATHS = st.lists(st.sampled_from(["page", "api"]), min_size=FAILURE_LIMIT, max_size=FAILURE_LIMIT)


@st.composite
def names_for(draw, account: str) -> str:
    """A name to log in with: the account's own in some spelling, or anything at all."""
    return draw(
        st.one_of(
            st.just(account),
            st.just(f"  {account}\t"),
            st.just(_fullwidth(account)),  # NFKC-normalises to the account's name
            SPELLINGS.map(lambda how: _spelled(account, how)),
            ODD_NAMES,
        )
    )


def _log_in(path: str, name: str, password: str, address: str):
    if path == "page":
        return Client().post(
            reverse("accounts:login"), {"username": name, "password": password}, REMOTE_ADDR=address
        )
    return APIClient().post(
        reverse("session"),
        {"username": name, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


def _outcome(path: str, response) -> str:
    """What a login answered: signed in, refused the input, wrong credentials, or locked."""
    assert response.status_code < 500
    if path == "page":
        if response.status_code == 302:
            return "signed in"
        if response.status_code == 429:
            assert b"Too many failed logins" in response.content
            return "locked"
        assert response.status_code == 200
        errors = response.context["form"].errors
        if "username" in errors:
            return "refused"
        assert errors == {
            "__all__": [
                "Please enter a correct username and password. Note that both fields may be "
                "case-sensitive."
            ]
        }
        return "wrong"
    if response.status_code == 200:
        return "signed in"
    if response.status_code == 429:
        assert (response.json(), response["Retry-After"]) == (LOCKED_OUT, "900")
        return "locked"
    assert response.status_code == 400
    if response.json() == INVALID_CREDENTIALS:
        return "wrong"
    assert (response.json()["error"]["code"], list(response.json()["error"]["fields"])) == (
        "invalid",
        ["username"],
    )
    return "refused"


def _account(username: str) -> User:
    return User.objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD
    )


@EXAMPLES
@given(data=st.data(), account=ACCOUNT_NAMES, addresses=ADDRESSES, paths=PATHS)
def test_login_throttle_locks_any_name_at_its_address_after_five_failures(
    data, account, addresses, paths
):
    name = data.draw(names_for(account), label="name")
    here, elsewhere = addresses
    key = _read_as_the_login_reads(name)

    with _undone():
        assert AccessAttempt.objects.count() == 0  # nothing left from an earlier example
        _account(account)
        other = _account(account + "-other")
        failures = [_outcome(path, _log_in(path, name, WRONG, here)) for path in paths]
        with_the_password = {
            path: _outcome(path, _log_in(path, name, PASSWORD, here)) for path in ("page", "api")
        }
        same_name_elsewhere = _outcome("api", _log_in("api", name, WRONG, elsewhere))
        account_here = _outcome("page", _log_in("page", account, PASSWORD, here))
        other_here = _outcome("api", _log_in("api", other.username, PASSWORD, here))
        with time_machine.travel(timezone.now() + COOL_OFF + timedelta(minutes=1), tick=False):
            after_cool_off = _outcome("page", _log_in("page", name, PASSWORD, here))

    if key is None:
        # Not an attempt: the form refuses the name, and nothing is counted or locked.
        assert failures == ["refused"] * FAILURE_LIMIT
        assert with_the_password == {"page": "refused", "api": "refused"}
        assert (same_name_elsewhere, after_cool_off) == ("refused", "refused")
        assert (account_here, other_here) == ("signed in", "signed in")
        return
    assert failures == ["wrong"] * (FAILURE_LIMIT - 1) + ["locked"]
    # Locked, even with the right password, on both paths.
    assert with_the_password == {"page": "locked", "api": "locked"}
    # Not elsewhere, and not for other names here.
    assert same_name_elsewhere == "wrong"
    assert other_here == ("locked" if key == other.username else "signed in")
    assert account_here == ("locked" if key == account else "signed in")
    assert after_cool_off == ("signed in" if key == account else "wrong")


@EXAMPLES
@given(data=st.data(), account=ACCOUNT_NAMES, address=st.ip_addresses().map(str))
def test_login_throttle_counts_failures_on_both_paths_together(data, account, address):
    attempts = data.draw(
        st.lists(
            st.tuples(st.sampled_from(["page", "api"]), names_for(account)),
            min_size=1,
            max_size=12,
        ),
        label="attempts",
    )
    counts: dict[str, int] = {}
    expected, seen = [], []

    with _undone():
        assert AccessAttempt.objects.count() == 0  # nothing left from an earlier example
        _account(account)
        for path, name in attempts:
            key = _read_as_the_login_reads(name)
            if key is None:
                expected.append("refused")
            else:
                counts[key] = counts.get(key, 0) + 1
                expected.append("locked" if counts[key] >= FAILURE_LIMIT else "wrong")
            seen.append(_outcome(path, _log_in(path, name, WRONG, address)))

    assert seen == expected


@pytest.mark.parametrize("length", [151, 256, 5000])
@pytest.mark.parametrize("path", ["page", "api"])
def test_login_refuses_a_name_longer_than_any_account_without_counting_it(path, length):
    # Counted, such a name went into the failed-login record, whose column holds 255
    # characters: PostgreSQL refused it with an error page.
    outcomes = [_outcome(path, _log_in(path, "x" * length, WRONG, "10.0.0.1")) for _ in range(6)]

    assert (outcomes, AccessAttempt.objects.count()) == (["refused"] * 6, 0)


def _signed_up(name: str) -> User | None:
    """The account signed up as `name`, or None if the name is refused (and only the name)."""
    try:
        return services.user_sign_up(username=name, email="nora@example.org", password=PASSWORD)
    except InvalidInput as refused_name:
        if list(refused_name.fields) != ["username"]:
            raise
        return None


@EXAMPLES
@given(
    name=st.text(
        st.characters(codec="utf-8", categories=("L", "N", "Pc", "Pd")) | st.sampled_from(".@+"),
        min_size=1,
        max_size=40,
    ),
    path=st.sampled_from(["page", "api"]),
)
def test_name_signed_up_with_logs_in_as_typed(name, path):
    with _undone():
        user = _signed_up(name)
        if user is None:
            return
        # Stored as the login page reads it, so that typing it again finds it.
        assert user.username == _read_as_the_login_reads(name)
        assert _outcome(path, _log_in(path, name, PASSWORD, "10.0.0.1")) == "signed in"
        # A look-alike that reads as the same name is that name, not a second account.
        with pytest.raises(InvalidInput) as look_alike:
            services.user_sign_up(
                username=_fullwidth(name), email="other@example.org", password=PASSWORD
            )
        assert look_alike.value.fields == {"username": ["That user name is taken."]}


@pytest.mark.parametrize("path", ["page", "api"])
def test_name_signed_up_as_a_ligature_logs_in(path):
    user = services.user_sign_up(username="ﬁlemon", email="f@example.org", password=PASSWORD)

    outcome = _outcome(path, _log_in(path, "ﬁlemon", PASSWORD, "10.0.0.1"))

    assert (user.username, outcome) == ("filemon", "signed in")
    with pytest.raises(InvalidInput) as look_alike:
        services.user_sign_up(username="filemon", email="g@example.org", password=PASSWORD)
    assert look_alike.value.fields == {"username": ["That user name is taken."]}
