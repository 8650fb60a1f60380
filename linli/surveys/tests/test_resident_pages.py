"""The residents' survey pages on the phone: login and back, the form, errors at the question,
thanks, answered once, closed, proxy mode, and the home page's card."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from linli.accounts import sms
from linli.core.testing import XINGJIAQIAO, with_token
from linli.people.services import proxy_bind
from linli.surveys import services
from linli.surveys.models import Channel, Response
from linli.surveys.tests.helpers import RENHE, good_answers, make_survey, q

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def survey(personas):
    return make_survey(personas.renhe_admin, RENHE, title="人和街道意见调查")


def _post(survey, **overrides) -> dict:
    data = {f"q{q(survey, 1).pk}": "支持", f"q{q(survey, 2).pk}": ["绘画", "象棋"], f"q{q(survey, 2).pk}_text": "",
            f"q{q(survey, 3).pk}_text": "好", f"q{q(survey, 4).pk}": "5", f"q{q(survey, 5).pk}": ["3-eve", "6-am"],
            f"q{q(survey, 6).pk}_text": "剪纸"}
    for key, value in overrides.items():
        data[key] = value
    return data


def test_not_logged_in_goes_to_login_and_comes_back(personas, survey, django_capture_on_commit_callbacks):
    url = f"/m/surveys/{survey.token}/"
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/m/login/?next=%2Fm%2Fsurveys%2F{survey.token}%2F"
    # The whole phone login, carrying next through both steps.
    client = Client()
    page = client.get(response["Location"]).content.decode()
    assert f'name="next" value="{url}"' in page
    phone = personas.xjq_residents[0].phone
    with django_capture_on_commit_callbacks(execute=True):
        step = client.post(f"/m/login/?next={url}", {"phone": phone, "next": url})
    assert f'name="next" value="{url}"' in step.content.decode()
    code = re.search(r"\d{6}", sms.outbox[-1][1]).group(0)
    done = client.post("/m/login/", {"phone": phone, "code": code, "next": url})
    assert done.status_code == 302 and done["Location"] == url
    assert "人和街道意见调查" in client.get(url).content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_login_never_sends_you_to_another_site(personas, target):
    client = _login(personas.resident_user)
    response = client.get("/m/login/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/m/"
    page = Client().get("/m/login/", {"next": target}).content.decode()
    assert "evil" not in page and "javascript" not in page


def test_the_form_is_big_and_tappable_and_errors_show_at_the_question(personas, survey):
    client = _login(personas.resident_user)
    url = f"/m/surveys/{survey.token}/"
    html = client.get(url).content.decode()
    assert "surveys/survey.css" in html and 'class="sv-option radio"' in html and 'class="sv-grid"' in html
    assert html.count(f'type="checkbox" name="q{q(survey, 5).pk}"') == 21  # the 7×3 slot grid
    assert 'class="sv-score"' in html and "★★★★★" in html
    bad = client.post(url, with_token(personas.resident_user, _post(survey, **{
        f"q{q(survey, 1).pk}": "", f"q{q(survey, 5).pk}": ["9-am"]})))
    page = bad.content.decode()
    assert bad.status_code == 400 and not Response.objects.exists()
    q1 = re.search(rf'<fieldset class="sv-q has-error" id="q{q(survey, 1).pk}">.*?</fieldset>', page, re.S).group(0)
    assert "第 1 题：这是必答题，请选择" in q1
    q5 = re.search(rf'<fieldset class="sv-q has-error" id="q{q(survey, 5).pk}">.*?</fieldset>', page, re.S).group(0)
    assert "没有“9-am”这个时间段" in q5
    assert 'value="象棋" checked' in page and "剪纸" in page  # nothing typed is lost


def test_answer_then_thanks_then_answered_once(personas, survey):
    client = _login(personas.resident_user)
    url = f"/m/surveys/{survey.token}/"
    response = client.post(url, with_token(personas.resident_user, _post(survey)))
    assert response.status_code == 302 and response["Location"] == f"{url}thanks/"
    assert "提交成功，谢谢您" in client.get(response["Location"]).content.decode()
    saved = Response.objects.get()
    assert (saved.channel, saved.resident_id, saved.area_id) == (Channel.PHONE, personas.xjq_residents[0].pk, XINGJIAQIAO)
    assert saved.answers.get(question=q(survey, 5)).choices == ["3-eve", "6-am"]
    again = client.get(url).content.decode()
    assert "您已填写过，谢谢" in again and "周三晚上、周六上午" in again and "<form method=\"post\" action" not in again
    # Sending the form again stores nothing more.
    client.post(url, with_token(personas.resident_user, _post(survey)))
    assert Response.objects.count() == 1


def test_closed_and_not_yet_open_are_said_plainly(personas, survey):
    client = _login(personas.resident_user)
    services.survey_close(by=personas.renhe_admin, survey=survey)
    html = client.get(f"/m/surveys/{survey.token}/").content.decode()
    assert "问卷已于 3 月 10 日截止" in html and "sv-form" not in html
    response = client.post(f"/m/surveys/{survey.token}/", with_token(personas.resident_user, _post(survey)))
    assert "问卷已于 3 月 10 日截止" in response.content.decode() and not Response.objects.exists()


def test_draft_and_unknown_tokens_are_not_found(personas):
    draft = make_survey(personas.xjq_worker, XINGJIAQIAO, publish=False)
    client = _login(personas.resident_user)
    assert client.get(f"/m/surveys/{draft.token}/").status_code == 404
    assert client.get("/m/surveys/no-such-token/").status_code == 404


def test_a_resident_outside_the_area_is_told_so(personas, survey):
    from linli.people.services import resident_login_account

    jzy = resident_login_account(resident=personas.jzy_residents[0])
    response = _login(jzy).get(f"/m/surveys/{survey.token}/")
    assert response.status_code == 403 and "只面向人和街道的居民" in response.content.decode()


def test_proxy_mode_answers_for_the_elder_only_with_the_survey_scope(personas, survey):
    elder = personas.xjq_residents[2]
    binding = proxy_bind(by=personas.xjq_worker, principal=elder, relation="family", scopes=["enroll"],
                         agent_phone="13512345678", agent_name="女儿")
    client = _login(binding.agent)
    client.post(f"/m/proxy/{binding.pk}/start/")
    url = f"/m/surveys/{survey.token}/"
    assert client.get(url).status_code == 403  # the elder did not allow surveys
    assert "填写问卷" not in client.get("/m/").content.decode().split("</h1>")[1].split("出示签到码")[0]
    proxy_bind(by=personas.xjq_worker, principal=elder, relation="family", scopes=["enroll", "survey"],
               agent=binding.agent)
    home = client.get("/m/").content.decode()
    assert 'id="survey-card"' in home and url in home
    page = client.get(url).content.decode()
    assert f"为 <strong>{elder.name}</strong> 代填" in page
    client.post(url, with_token(binding.agent, _post(survey)))
    saved = Response.objects.get()
    assert (saved.resident_id, saved.channel, saved.entered_by_id) == (elder.pk, Channel.PROXY, binding.agent.pk)


def test_home_card_and_list_show_open_surveys(personas, survey):
    make_survey(personas.xjq_worker, XINGJIAQIAO, title="邢家桥草稿", publish=False)
    client = _login(personas.resident_user)
    home = client.get("/m/").content.decode()
    card = re.search(r'<div class="card" id="survey-card">.*?</div>', home, re.S).group(0)
    assert "人和街道意见调查" in card and "邢家桥草稿" not in card and f"/m/surveys/{survey.token}/" in card
    listing = client.get("/m/surveys/").content.decode()
    assert "人和街道意见调查" in listing and "已填写" not in listing
    services.response_submit(by=personas.resident_user, survey=survey, resident=personas.xjq_residents[0],
                             answers=good_answers(survey), channel=Channel.PHONE)
    assert "已填写" in client.get("/m/surveys/").content.decode()
    assert "“人和街道意见调查”已填写" in client.get("/m/").content.decode()
    # Someone with nothing to answer sees no card.
    from linli.people.services import resident_login_account

    jzy = resident_login_account(resident=personas.jzy_residents[0])
    assert 'id="survey-card"' not in _login(jzy).get("/m/").content.decode()
