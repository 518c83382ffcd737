from django.contrib.auth.models import User

from grid.people import person_name


def test_chinese_names_are_surname_first_without_a_space():
    assert person_name(User(username="u", last_name="王", first_name="伟")) == "王伟"


def test_other_names_are_given_then_family():
    assert person_name(User(username="u", last_name="Smith", first_name="Anna")) == "Anna Smith"


def test_no_name_falls_back_to_the_username():
    assert person_name(User(username="officer07")) == "officer07"
    assert person_name(None) == ""
