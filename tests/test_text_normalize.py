"""Tests of rnnjax.text.normalize: each switch, punctuation/digit rules, stopwords, tokenize."""

import pytest

from rnnjax.text import normalize, tokenize


def test_defaults_lowercase_strip_and_collapse():
    text = "  The U.S. economy grew 3.5% in Q2,\n\tsaid Mr. Smith's team!  "
    assert normalize(text) == "the u s economy grew in q said mr smith s team"


def test_each_switch_can_be_turned_off():
    text = "Hello, World 42!\n\nBye"
    assert normalize(text, lowercase=False) == "Hello World Bye"
    assert normalize(text, strip_punctuation=False) == "hello, world !\n\nbye".replace("\n\n", " ")
    assert normalize(text, strip_digits=False) == "hello world 42 bye"
    assert normalize(text, collapse_whitespace=False) == "hello  world    \n\nbye"
    off = dict(lowercase=False, strip_punctuation=False, strip_digits=False)
    assert normalize(text, **off, collapse_whitespace=False) == text


def test_unicode_letters_kept_and_unicode_punctuation_and_underscore_stripped():
    assert normalize("Café «déjà-vu» — naïve_user’s") == "café déjà vu naïve user s"


def test_stopwords_removed_case_insensitively():
    stop = frozenset({"the", "a", "don", "t"})
    assert normalize("The cat, a hat; don't!", stopwords=stop) == "cat hat"
    assert normalize("The Cat", lowercase=False, stopwords=stop) == "Cat"


def test_empty_and_whitespace_only_text_become_empty():
    assert normalize("") == ""
    assert normalize(" \n\t ") == ""
    assert normalize("!!! 123", stopwords=frozenset({"x"})) == ""


def test_tokenize_word_and_char():
    assert tokenize("ab  cd", "word") == ["ab", "cd"]
    assert tokenize("ab c", "char") == ["a", "b", " ", "c"]
    assert tokenize("", "word") == []
    with pytest.raises(ValueError, match=r"level"):
        tokenize("x", "byte")
